"""Save screenshots of the real board in every phase to docs/screenshots/.

Runs the browser test with JOURNEYBOARD_SCREENSHOTS set; build the client first
(`cd client && npm run build`). Usage: python scripts/screenshots.py [target-dir]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    env = {**os.environ, "JOURNEYBOARD_SCREENSHOTS": str(target.resolve())}
    command = [sys.executable, "-m", "pytest", "-q", str(ROOT / "tests" / "test_browser.py")]
    code = subprocess.call(command, cwd=ROOT, env=env)
    if code == 0:
        for path in sorted(target.glob("*.png")):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
