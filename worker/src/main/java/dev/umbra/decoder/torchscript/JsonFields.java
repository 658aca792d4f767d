package dev.umbra.decoder.torchscript;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import java.nio.file.Path;
import java.util.Set;

/** Typed access to one object of decoder.json; errors name the file and the key's full path. */
final class JsonFields {

    private final Path file;
    private final String prefix;
    private final JsonObject json;

    JsonFields(Path file, String prefix, JsonObject json) {
        this.file = file;
        this.prefix = prefix;
        this.json = json;
    }

    JsonFields object(String key) {
        JsonElement e = require(key);
        if (!e.isJsonObject()) {
            throw invalid(key, e, "an object");
        }
        return new JsonFields(file, prefix + key + ".", e.getAsJsonObject());
    }

    int integer(String key, int min) {
        JsonElement e = require(key);
        double d;
        try {
            d = e.getAsDouble();
        } catch (RuntimeException ex) {
            throw invalid(key, e, "an integer of at least " + min);
        }
        if (d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
            throw invalid(key, e, "an integer of at least " + min);
        }
        return (int) d;
    }

    double number(String key) {
        JsonElement e = require(key);
        try {
            double d = e.getAsDouble();
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (RuntimeException ex) {
            // reported below
        }
        throw invalid(key, e, "a finite number");
    }

    boolean bool(String key, boolean defaultValue) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return defaultValue;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw invalid(key, e, "true or false");
        }
        return e.getAsBoolean();
    }

    String string(String key) {
        JsonElement e = require(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw invalid(key, e, "a string");
        }
        return e.getAsString();
    }

    /** A string, or null when the key is absent or null. */
    String optString(String key) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? null : string(key);
    }

    String oneOf(String key, Set<String> supported) {
        String value = string(key);
        if (!supported.contains(value)) {
            throw unsupported(key, value, String.join(", ", supported.stream().sorted().toList()));
        }
        return value;
    }

    boolean has(String key) {
        JsonElement e = json.get(key);
        return e != null && !e.isJsonNull();
    }

    /** An error about this object as a whole (values that clash). */
    ModelException error(String message) {
        String where = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1) + ": ";
        return new ModelException(file + ": " + where + message);
    }

    ModelException unsupported(String key, Object value, String supported) {
        return new ModelException(file + ": " + prefix + key + " = " + value + " is not supported by this"
                + " implementation (supported: " + supported + ")");
    }

    ModelException invalid(String key, Object value, String expected) {
        return new ModelException(file + ": " + prefix + key + " = " + value + " is invalid: expected " + expected);
    }

    private JsonElement require(String key) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            throw new ModelException(file + ": required key \"" + prefix + key + "\" is missing");
        }
        return e;
    }
}
