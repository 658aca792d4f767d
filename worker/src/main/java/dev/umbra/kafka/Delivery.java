package dev.umbra.kafka;

import java.util.Locale;

/** What a reader of the worker's outputs can count on. */
public enum Delivery {
    /**
     * Every request is answered; after a crash or a rebalance some are answered twice (their answers were published
     * but their offsets not yet committed). No transactions: the cheapest.
     */
    AT_LEAST_ONCE,
    /**
     * Outputs and the offsets that consume their requests are committed in one transaction: a reader with
     * {@code isolation.level=read_committed} sees each answer once. Costs a transaction round trip per batch of
     * answers, and readers see answers only once their transaction commits.
     */
    EXACTLY_ONCE;

    /** As the command line spells it: {@code at-least-once}, {@code exactly-once}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code at-least-once} or {@code exactly-once}, ignoring case. */
    public static Delivery parse(String text) {
        for (Delivery d : values()) {
            if (d.cliName().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("--delivery must be at-least-once or exactly-once (got '" + text + "')");
    }
}
