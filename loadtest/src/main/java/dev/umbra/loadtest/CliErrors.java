package dev.umbra.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Errors as one line on stderr and an exit code: {@link LoadTestCommand#BAD_INPUT} for bad options, files or topics,
 * {@link LoadTestCommand#FAILED} for anything else. The stack trace only with {@code --verbose}.
 */
final class CliErrors {

    private CliErrors() {}

    /** Options picocli or a command's own checks refused. */
    static int badOptions(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(e.getMessage())
                + " (--help lists the options)");
        cmd.getErr().flush();
        return LoadTestCommand.BAD_INPUT;
    }

    /** Exceptions out of a running command. */
    static int failed(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean badInput = e instanceof IllegalArgumentException || e instanceof IOException
                || e instanceof UncheckedIOException;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(message));
        if (verbose(parsed)) {
            e.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return badInput ? LoadTestCommand.BAD_INPUT : LoadTestCommand.FAILED;
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
