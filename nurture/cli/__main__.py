from nurture.cli.main import main

main()
