package dev.umbra.cli;

import dev.umbra.model.DjlRuntime;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar umbra-worker.jar <command>}: the entry point. */
@Command(
        name = "umbra-worker",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Umbra: the ECLIPSE text-to-image prior as a streaming inference worker on Apache Kafka.",
        subcommands = {EmbedCommand.class, GenerateCommand.class, TrainShapesCommand.class, EvalCommand.class,
            DemoCommand.class, RunCommand.class, InitModelCommand.class, CommandLine.HelpCommand.class})
public final class UmbraCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code: 0 done, 1 failed while running, 2 bad input. */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, writing to the given streams (tests capture them). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        DjlRuntime.ensureOffline();
        return new CommandLine(new UmbraCommand())
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler(new CliErrors())
                .execute(args);
    }
}
