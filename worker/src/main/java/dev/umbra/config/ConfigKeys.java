package dev.umbra.config;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The names an option goes by off the command line: {@code --batch-size} is {@code batch-size} and {@code UMBRA_BATCH_SIZE}. */
public final class ConfigKeys {

    public static final String ENV_PREFIX = "UMBRA_";

    private ConfigKeys() {}

    /** Its key in a configuration file: its longest name without the leading dashes. */
    public static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /** The environment variable of a key: {@code UMBRA_} and the key in capitals, dashes as underscores. */
    public static String envVar(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The options a file or the environment may set, by key in declaration order: all but --help and --version. */
    public static Map<String, OptionSpec> options(CommandSpec command) {
        Map<String, OptionSpec> options = new LinkedHashMap<>();
        for (OptionSpec option : command.options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                options.put(key(option), option);
            }
        }
        return options;
    }

    /** The candidate nearest {@code name} by edit distance (for "did you mean"). */
    static String nearest(String name, Collection<String> candidates) {
        String best = null;
        for (String candidate : candidates) {
            if (best == null || distance(name, candidate) < distance(name, best)) {
                best = candidate;
            }
        }
        return best;
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int distance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1),
                        diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }
}
