import PatBenchmarks

PatBenchCommand.main()
