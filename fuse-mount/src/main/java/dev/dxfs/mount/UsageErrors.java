package dev.dxfs.mount;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/**
 * A command line that cannot be parsed (missing or unknown arguments, bad numbers) is answered
 * with one line naming the problem and where the help is, not with the whole usage text.
 */
final class UsageErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        command.getErr().println("dxfs: " + e.getMessage() + " (see: "
                + command.getCommandSpec().qualifiedName() + " --help)");
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
