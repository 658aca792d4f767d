package dev.umbra.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The model files shipped inside the jar: the CLIP tokenizer and the tiny default model.
 *
 * <p>Checkpoints are memory-mapped, which needs real files, so the resources are copied once into a cache
 * folder ({@code $UMBRA_CACHE_DIR}, else {@code ~/.cache/umbra}) and reused from there.
 */
public final class EmbeddedModels {

    /** Name under which the embedded default model is served. */
    public static final String DEFAULT_MODEL_NAME = "umbra-tiny-random";

    private static final String ROOT = "/umbra/";
    private static final String TOKENIZER = "tokenizer/clip/tokenizer.json";
    private static final List<String> TINY_FILES = List.of(
            "models/tiny/text_encoder/config.json",
            "models/tiny/text_encoder/model.safetensors",
            "models/tiny/prior/config.json",
            "models/tiny/prior/diffusion_pytorch_model.safetensors");
    // Bump when a shipped file changes so that stale caches are not reused.
    private static final String VERSION = "v1";

    private EmbeddedModels() {}

    /** The default model in the standard layout ({@code tokenizer/}, {@code text_encoder/}, {@code prior/}). */
    public static Path defaultModelDir() {
        Path dir = cacheDir().resolve("models").resolve("tiny-" + VERSION);
        for (String file : TINY_FILES) {
            extract(file, dir.resolve(file.substring("models/tiny/".length())));
        }
        extract(TOKENIZER, dir.resolve("tokenizer/tokenizer.json"));
        return dir;
    }

    /** The folder holding the shipped CLIP {@code tokenizer.json}. */
    public static Path defaultTokenizerDir() {
        Path dir = cacheDir().resolve("tokenizer").resolve("clip-" + VERSION);
        extract(TOKENIZER, dir.resolve("tokenizer.json"));
        return dir;
    }

    private static Path cacheDir() {
        String env = System.getenv("UMBRA_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "umbra");
    }

    private static void extract(String resource, Path target) {
        if (Files.isRegularFile(target)) {
            return;
        }
        try (InputStream in = EmbeddedModels.class.getResourceAsStream(ROOT + resource)) {
            if (in == null) {
                throw new ModelException("embedded resource " + ROOT + resource + " is missing from the jar");
            }
            Files.createDirectories(target.getParent());
            // Write aside and move, so that a concurrent or interrupted extraction never leaves half a file.
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " to " + target, e);
        }
    }
}
