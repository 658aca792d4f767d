package dev.umbra.log;

import java.util.Locale;

/**
 * How the console logs: {@link #TEXT}, one readable line per event (the pattern of logback.xml), or {@link #JSON},
 * one JSON object per line. Chosen once at start ({@code --log-format}, {@code UMBRA_LOG_FORMAT}) and applied by
 * {@link SwitchingEncoder}, the encoder of logback.xml's console appender, on the next event.
 */
public enum LogFormat {
    TEXT, JSON;

    private static volatile LogFormat current = TEXT;

    /** The format the console uses now. */
    public static LogFormat current() {
        return current;
    }

    /** Makes the console write in {@code format} from the next event on, on every thread. */
    public static void use(LogFormat format) {
        current = format;
    }

    /** {@code text} or {@code json}, in any case. */
    public static LogFormat parse(String name) {
        for (LogFormat format : values()) {
            if (format.name().equalsIgnoreCase(name.strip())) {
                return format;
            }
        }
        throw new IllegalArgumentException("the log format must be text or json (got '" + name + "')");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
