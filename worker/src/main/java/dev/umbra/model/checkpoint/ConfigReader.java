package dev.umbra.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import java.nio.file.Path;
import java.util.Set;

/** Typed access to a config.json whose errors name the file, the key and the value. */
public final class ConfigReader {

    private final Path file;
    private final JsonObject json;

    public ConfigReader(Path file) {
        this.file = file;
        this.json = JsonFiles.readObject(file);
    }

    public Path file() {
        return file;
    }

    public int requireInt(String key) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            throw new ModelException(file + ": required key \"" + key + "\" is missing");
        }
        return asPositiveInt(key, e);
    }

    public int optInt(String key, int defaultValue) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? defaultValue : asPositiveInt(key, e);
    }

    public double optDouble(String key, double defaultValue) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return defaultValue;
        }
        try {
            return e.getAsDouble();
        } catch (RuntimeException ex) {
            throw invalid(key, e, "a number");
        }
    }

    public long optLong(String key, long defaultValue) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return defaultValue;
        }
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d)) {
                throw invalid(key, e, "an integer");
            }
            return (long) d;
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException ex) {
            throw invalid(key, e, "an integer");
        }
    }

    /** A string value, or null when absent or JSON null. */
    public String optString(String key) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw invalid(key, e, "a string");
        }
        return e.getAsString();
    }

    /** Refuses any value of {@code key} other than null/absent or one of {@code supported}. */
    public String requireOneOf(String key, String defaultValue, Set<String> supported, boolean nullAllowed) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            if (nullAllowed || defaultValue != null) {
                return defaultValue;
            }
            throw new ModelException(file + ": required key \"" + key + "\" is missing");
        }
        String value = e.isJsonPrimitive() ? e.getAsString() : e.toString();
        if (!supported.contains(value)) {
            throw unsupported(key, e, (nullAllowed ? "null" + (supported.isEmpty() ? "" : " or ") : "")
                    + String.join(", ", supported));
        }
        return value;
    }

    public boolean has(String key) {
        JsonElement e = json.get(key);
        return e != null && !e.isJsonNull();
    }

    public JsonElement raw(String key) {
        return json.get(key);
    }

    /** An error for a value this code does not implement; the message names key, value and what is. */
    public ModelException unsupported(String key, JsonElement value, String supported) {
        return new ModelException(file + ": " + key + " = " + value + " is not supported by this implementation"
                + " (supported: " + supported + ")");
    }

    public ModelException invalid(String key, JsonElement value, String expected) {
        return new ModelException(file + ": " + key + " = " + value + " is invalid: expected " + expected);
    }

    private int asPositiveInt(String key, JsonElement e) {
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d) || d < 1 || d > Integer.MAX_VALUE) {
                throw invalid(key, e, "a positive integer");
            }
            return (int) d;
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException ex) {
            throw invalid(key, e, "a positive integer");
        }
    }
}
