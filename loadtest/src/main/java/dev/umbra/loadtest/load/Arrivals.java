package dev.umbra.loadtest.load;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How requests are spaced within a rate. */
public enum Arrivals {
    /** Evenly: one every 1/rate seconds. Reproducible, and what most tools (wrk2, Gatling's constant rate) do. */
    CONSTANT,
    /** Independent arrivals: exponential gaps of mean 1/rate, as many independent clients make; bursts happen. */
    POISSON;

    /** The command-line spelling: {@code constant}, {@code poisson}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the value and the accepted ones */
    public static Arrivals parse(String value) {
        for (Arrivals a : values()) {
            if (a.cliName().equals(value == null ? null : value.strip().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown arrivals '" + value + "'; expected one of "
                + Arrays.stream(values()).map(Arrivals::cliName).collect(Collectors.joining(", ")));
    }
}
