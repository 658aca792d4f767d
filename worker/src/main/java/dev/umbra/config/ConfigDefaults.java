package dev.umbra.config;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * Gives a command's options their values from the environment and, when the command has {@value #CONFIG_OPTION}, from
 * that file: command line, then environment ({@code UMBRA_BATCH_SIZE}), then file ({@code batch-size}), then the
 * option's own default. Picocli asks a default provider only for the options the command line left out, which gives
 * the command line its precedence.
 *
 * <p>Keys are the options' long names without dashes; an unknown key in the file is an error naming the nearest key.
 * An option of several values (a map such as {@code kafka-property}) takes a YAML list or map, or one
 * {@code kafka-property.KEY} entry per value, or in its environment variable one value a line. Values are converted
 * by picocli as on the command line; {@link #explain} names the file key or variable a bad one came from.
 */
public final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    public static final String CONFIG_OPTION = "--config";
    static final String ENVIRONMENT = "the environment";

    /** Values of one option from off the command line and where they came from: a file key or variable, and its place. */
    record Setting(String name, List<String> values, String origin) {
        String describe(Object value) {
            return name + " \"" + value + "\" in " + origin;
        }
    }

    private final CommandSpec command;
    private final Map<String, String> env;
    private Map<String, Setting> settings;            // by key; read on first use, once --config is parsed
    private final Set<String> answered = new HashSet<>();

    private ConfigDefaults(CommandSpec command, Map<String, String> env) {
        this.command = command;
        this.env = Map.copyOf(env);
    }

    /** Makes {@code env} (and the file of {@value #CONFIG_OPTION}, when the command has that option) fill in its options. */
    public static void install(CommandLine command, Map<String, String> env) {
        command.setDefaultValueProvider(new ConfigDefaults(command.getCommandSpec(), env));
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.isMultiValue()) {
            return null;   // several values cannot travel as one default string: see applyMultiValued
        }
        Setting setting = settings().get(ConfigKeys.key(option));
        if (setting == null) {
            return null;
        }
        answered.add(ConfigKeys.key(option));
        return setting.values().get(0);
    }

    /**
     * Sets the options of several values that the command line left out from the file or environment. Picocli applies a
     * default string as one value, so these are parsed here, by a scratch parser sharing the option's field and
     * converters. Call it after parsing, before the command runs.
     */
    public void applyMultiValued(CommandLine.ParseResult parsed) {
        for (OptionSpec option : command.options()) {
            Setting setting = option.isMultiValue() && !parsed.hasMatchedOption(option)
                    ? settings().get(ConfigKeys.key(option)) : null;
            if (setting == null) {
                continue;
            }
            // The attached form (--opt=VALUE) keeps a value that starts with a dash a value.
            String[] args = setting.values().stream().map(v -> option.longestName() + "=" + v).toArray(String[]::new);
            try {
                new CommandLine(CommandSpec.create().addOption(OptionSpec.builder(option).build())).parseArgs(args);
            } catch (ParameterException e) {
                throw new ParameterException(command.commandLine(), setting.describe(e.getValue()) + ": " + reason(e), e,
                        option, e.getValue());
            }
        }
    }

    /** Picocli's error about a value this provider gave, naming the key or variable it came from; others as they are. */
    public ParameterException explain(ParameterException e) {
        if (!(e.getArgSpec() instanceof OptionSpec option) || !answered.contains(ConfigKeys.key(option))) {
            return e;
        }
        Setting setting = settings.get(ConfigKeys.key(option));
        return new ParameterException(e.getCommandLine(), setting.describe(e.getValue()) + ": " + reason(e), e, option,
                e.getValue());
    }

    /** Picocli's reason without its "Invalid value for option '--x': " (the option is named otherwise here). */
    private static String reason(ParameterException e) {
        return e.getMessage().replaceFirst("^Invalid value for option '[^']*'( \\([^)]*\\))?: ", "");
    }

    private Map<String, Setting> settings() {
        if (settings == null) {
            settings = load();
        }
        return settings;
    }

    private Map<String, Setting> load() {
        Map<String, OptionSpec> options = ConfigKeys.options(command);
        Map<String, Setting> loaded = new HashMap<>();
        Path file = configFile();
        if (file != null) {
            readFile(file, options).forEach((key, values) -> loaded.put(key, new Setting(key, values, file.toString())));
        }
        options.forEach((key, option) -> {
            String variable = ConfigKeys.envVar(key);
            String value = env.get(variable);
            if (value != null) {
                List<String> values = option.isMultiValue()
                        ? value.lines().filter(line -> !line.isBlank()).toList() : List.of(value);
                loaded.put(key, new Setting(variable, values, ENVIRONMENT));
            }
        });
        if (command.findOption(CONFIG_OPTION) != null) {
            warnAboutMisspelledVariables(options.keySet());
        }
        return loaded;
    }

    /**
     * The file of --config, else of UMBRA_CONFIG. Picocli asks a default provider only after the whole command line is
     * parsed (for options it did not match), so --config's own value is set by then: the file is found by picocli's
     * parser, with every spelling it accepts ({@code --config F}, {@code --config=F}), no second parse or pre-scan.
     */
    private Path configFile() {
        OptionSpec option = command.findOption(CONFIG_OPTION);
        if (option == null) {
            return null;
        }
        Object given = option.getValue();
        String variable = env.get(ConfigKeys.envVar(ConfigKeys.key(option)));
        String path = given != null ? given.toString() : variable;
        return path == null || path.isBlank() ? null : Path.of(path);
    }

    private Map<String, List<String>> readFile(Path file, Map<String, OptionSpec> options) {
        Map<String, List<String>> raw;
        try {
            raw = ConfigFile.read(file);
        } catch (NoSuchFileException e) {
            throw error("config file " + file + ": no such file");
        } catch (IOException e) {
            throw error("config file " + file + ": " + e);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
        List<String> keys = options.keySet().stream().filter(k -> !("--" + k).equals(CONFIG_OPTION)).toList();
        Map<String, List<String>> values = new HashMap<>();
        raw.forEach((name, list) -> {
            String key = name;
            List<String> entries = list;
            int dot = name.indexOf('.');
            OptionSpec map = dot > 0 ? options.get(name.substring(0, dot)) : null;
            if (!options.containsKey(name) && map != null && map.typeInfo().isMap() && list.size() == 1) {
                // "kafka-property.security.protocol: SSL" is the entry security.protocol=SSL of kafka-property.
                key = name.substring(0, dot);
                entries = List.of(name.substring(dot + 1) + "=" + list.get(0));
            }
            if (!keys.contains(key)) {
                throw error(("--" + key).equals(CONFIG_OPTION)
                        ? key + " in " + file + ": a configuration file cannot name another"
                        : "unknown key \"" + name + "\" in " + file + " (the nearest key is "
                                + ConfigKeys.nearest(name, keys) + ")");
            }
            if (!options.get(key).isMultiValue() && entries.size() != 1) {
                throw error(key + " in " + file + ": takes one value, not a list or map");
            }
            values.computeIfAbsent(key, k -> new ArrayList<>()).addAll(entries);
        });
        return values;
    }

    /** An UMBRA_ variable one or two letters away from an option's: a typo that would otherwise go unnoticed. */
    private void warnAboutMisspelledVariables(Set<String> keys) {
        List<String> known = keys.stream().map(ConfigKeys::envVar).toList();
        PrintWriter err = command.commandLine().getErr();
        for (String variable : env.keySet().stream().filter(v -> v.startsWith(ConfigKeys.ENV_PREFIX)).sorted()
                .collect(Collectors.toList())) {
            String nearest = ConfigKeys.nearest(variable, known);
            if (!known.contains(variable) && nearest != null && ConfigKeys.distance(variable, nearest) <= 2) {
                err.println(command.qualifiedName() + ": warning: " + variable + " is not an option of "
                        + command.name() + " (did you mean " + nearest + "?)");
            }
        }
        err.flush();
    }

    private ParameterException error(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
