import PatCLI

PatCommand.prepareProcess(arguments: CommandLine.arguments)
await PatCommand.runAndExit()
