# journeyboard: build the browser client, then install the server with it.
FROM node:20-bookworm-slim AS client
WORKDIR /src/client
COPY client/package.json client/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY client/ ./
COPY shared_schema/ /src/shared_schema/
RUN npm run build

FROM python:3.11-slim
# Pango and fonts for WeasyPrint, which lays out the PDF exports; fontconfig's fc-match, which
# exports/measure.py asks for the font file it measures with; ICU for PyICU's collation.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       fonts-liberation fonts-dejavu-core fontconfig libicu72 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml hatch_build.py README.md ./
COPY shared_schema/ shared_schema/
COPY server/ server/
COPY --from=client /src/server/journeyboard/static/ server/journeyboard/static/
# PyICU has no wheels: it compiles against ICU's headers, which leave with the compiler.
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ pkg-config libicu-dev \
    && JOURNEYBOARD_SKIP_CLIENT_BUILD=1 pip install --no-cache-dir . \
    && apt-get purge -y g++ pkg-config libicu-dev && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home journeyboard
USER journeyboard
EXPOSE 8000
CMD ["journeyboard", "serve", "--host", "0.0.0.0", "--port", "8000"]
