import PatCLI

await PatCommand.runAndExit()
