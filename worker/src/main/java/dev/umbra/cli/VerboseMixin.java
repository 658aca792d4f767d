package dev.umbra.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: read by {@link CliErrors} to add stack traces to error lines. */
final class VerboseMixin {

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;
}
