from gridcare.cli import main

main()
