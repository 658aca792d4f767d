package dev.umbra.cli;

import dev.umbra.config.ConfigDefaults;
import dev.umbra.io.UsageException;
import dev.umbra.model.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Turns exceptions into one line on stderr and an exit code: 2 for bad input (options, files, values, models that
 * do not load), 1 for anything else. The stack trace only with {@code --verbose}.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILED = 1;

    /** Options picocli refused, or a value from a config file or variable: one line naming what and where. */
    static int badOptions(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        if (cmd.getDefaultValueProvider() instanceof ConfigDefaults config) {
            e = config.explain(e);
        }
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(e.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr());
        cmd.getErr().flush();
        return BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        // The option's value, not whether the command line has it: a config file or UMBRA_VERBOSE may set it too.
        CommandLine.Model.OptionSpec option = cmd.getCommandSpec().findOption("--verbose");
        boolean verbose = option != null && Boolean.TRUE.equals(option.getValue());
        boolean badInput = e instanceof UsageException || e instanceof ModelException
                || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof IllegalArgumentException;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(message));
        if (verbose) {
            e.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return badInput ? BAD_INPUT : FAILED;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
