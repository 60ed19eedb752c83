from journeyboard.cli import main

main()
