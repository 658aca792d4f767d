package dev.umbra.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.umbra.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading config.json-like files with errors that name the file and, where it applies, the key. */
public final class JsonFiles {

    private JsonFiles() {}

    public static JsonObject readObject(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelException(file + ": file not found");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new ModelException(file + ": malformed JSON: expected an object at the top level");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ModelException(file + ": malformed JSON (" + cause.getMessage() + ")", e);
        }
    }
}
