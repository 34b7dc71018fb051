from longform.cli import main

main()
