package dev.umbra.cli;

import dev.umbra.io.UsageException;
import dev.umbra.model.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Turns exceptions into one line on stderr and an exit code: 2 for bad input (files, values, models that
 * do not load), 1 for anything else. The stack trace only with {@code --verbose}.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.subcommand() != null
                ? parsed.subcommand().hasMatchedOption("--verbose") : parsed.hasMatchedOption("--verbose");
        boolean badInput = e instanceof UsageException || e instanceof ModelException
                || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof IllegalArgumentException;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println(cmd.getCommandName() + ": error: " + message.replace('\n', ' '));
        if (verbose) {
            e.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return badInput ? BAD_INPUT : FAILED;
    }
}
