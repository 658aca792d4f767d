package dev.umbra.io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A prompts file: UTF-8, one prompt per line. An empty line is an empty prompt (CLIP encodes it as
 * start and end tokens); the newline that ends the last line does not start another prompt.
 */
public final class PromptsFile {

    private PromptsFile() {}

    /** Reads the prompts for a command: a missing or bad file is a {@link UsageException} naming it. */
    public static List<String> readForCommand(Path file) {
        try {
            return read(file);
        } catch (NoSuchFileException e) {
            throw new UsageException(file + ": file not found");
        } catch (IOException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
    }

    /** Reads the prompts; an {@link IOException} message says what is wrong (not UTF-8, no prompts). */
    public static List<String> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> prompts = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!prompts.isEmpty() && prompts.get(prompts.size() - 1).isEmpty()) {
            prompts.remove(prompts.size() - 1);
        }
        prompts.replaceAll(p -> p.endsWith("\r") ? p.substring(0, p.length() - 1) : p);
        if (prompts.isEmpty()) {
            throw new IOException("holds no prompts");
        }
        return prompts;
    }
}
