package dev.umbra.loadtest;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar umbra-loadtest.jar <command>}: the entry point. */
@Command(
        name = "umbra-loadtest",
        mixinStandardHelpOptions = true,
        versionProvider = LoadTestCommand.Version.class,
        description = {
            "Load for an Umbra worker on any Kafka cluster: open loop (a rate, a ramp of rates) or closed loop (N"
                    + " outstanding), latency from each request's intended send time, and a baseline that measures"
                    + " the raw Kafka pipe on the same cluster; compare sets runs side by side in one chart.",
            ""
        },
        subcommands = {RunCommand.class, BaselineCommand.class, CompareCommand.class, CommandLine.HelpCommand.class})
public final class LoadTestCommand implements Runnable {

    /** Exit code: everything sent was answered (or, for {@code baseline}, a clean stop). */
    public static final int OK = 0;
    /** Exit code: the run could not be done, or requests were lost. */
    public static final int FAILED = 1;
    /** Exit code: bad options or files. */
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, baseline or compare");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code ({@link #OK}, {@link #FAILED}, {@link #BAD_INPUT}). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, writing to the given streams (tests capture them). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        // XChart draws with AWT; no display is needed or wanted.
        System.setProperty("java.awt.headless", "true");
        return new CommandLine(new LoadTestCommand())
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(CliErrors::badOptions)
                .setExecutionExceptionHandler(CliErrors::failed)
                .execute(args);
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {name()};
        }

        static String name() {
            String v = LoadTestCommand.class.getPackage().getImplementationVersion();
            return "umbra-loadtest " + (v == null ? "(development build)" : v);
        }
    }
}
