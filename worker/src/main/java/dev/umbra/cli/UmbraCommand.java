package dev.umbra.cli;

import dev.umbra.config.ConfigDefaults;
import dev.umbra.config.ConfigKeys;
import dev.umbra.log.LogFormat;
import dev.umbra.model.DjlRuntime;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar umbra-worker.jar <command>}: the entry point. */
@Command(
        name = "umbra-worker",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Umbra: the ECLIPSE text-to-image prior as a streaming inference worker on Apache Kafka.",
        subcommands = {EmbedCommand.class, GenerateCommand.class, TrainShapesCommand.class, EvalCommand.class,
            DemoCommand.class, BatchCommand.class, RunCommand.class, InitModelCommand.class, CommandLine.HelpCommand.class})
public final class UmbraCommand implements Runnable {

    /** The log format of the commands that have no --log-format option. */
    static final String LOG_FORMAT_VARIABLE = ConfigKeys.envVar("log-format");

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
        return execute(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /**
     * As {@link #execute(String...)}, with the environment that {@code UMBRA_*} variables are read from and the streams
     * to write to (tests give their own).
     */
    public static int execute(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        DjlRuntime.ensureOffline();
        return commandLine(env, out, err).execute(args);
    }

    /** The command line with its handlers and configuration sources, ready to parse or execute. */
    static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new UmbraCommand())
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(CliErrors::badOptions)
                .setExecutionExceptionHandler(new CliErrors());
        // The environment sets the options of run and demo; a --config file, those of run.
        ConfigDefaults.install(commandLine.getSubcommands().get("run"), env);
        ConfigDefaults.install(commandLine.getSubcommands().get("demo"), env);
        return commandLine.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult command = parsed;
            while (command.subcommand() != null) {
                command = command.subcommand();
            }
            if (command.commandSpec().commandLine().getDefaultValueProvider() instanceof ConfigDefaults config) {
                config.applyMultiValued(command);
            }
            LogFormat.use(logFormat(command, env));
            return new CommandLine.RunLast().execute(parsed);
        });
    }

    /** The command's --log-format (already command line, environment, file, default), else UMBRA_LOG_FORMAT. */
    private static LogFormat logFormat(CommandLine.ParseResult command, Map<String, String> env) {
        CommandLine.Model.OptionSpec option = command.commandSpec().findOption(LoggingMixin.OPTION);
        if (option != null) {
            return option.getValue();
        }
        String value = env.get(LOG_FORMAT_VARIABLE);
        try {
            return value == null ? LogFormat.TEXT : LogFormat.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command.commandSpec().commandLine(),
                    LOG_FORMAT_VARIABLE + " \"" + value + "\" in the environment: " + e.getMessage());
        }
    }
}
