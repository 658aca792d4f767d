package dev.umbra.loadtest;

import picocli.CommandLine.Option;

/** {@code --verbose}: stack traces with error lines, read by {@link CliErrors}. */
final class VerboseOption {

    @Option(names = "--verbose", description = "Print the stack trace of an error.")
    boolean verbose;
}
