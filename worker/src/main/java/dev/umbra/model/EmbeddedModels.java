package dev.umbra.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The model files shipped inside the jar: the CLIP tokenizer and the tiny default model.
 *
 * <p>Checkpoints are memory-mapped, which needs real files, so the resources are copied once into a cache
 * folder ({@code $UMBRA_CACHE_DIR}, else {@code ~/.cache/umbra}), named by a hash of their content, and reused
 * from there.
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
    // The cache folders are named by the content of what they hold, so a changed jar never reuses stale files.
    private static volatile String modelVersion;
    private static volatile String tokenizerVersion;

    private EmbeddedModels() {}

    /** The default model in the standard layout ({@code tokenizer/}, {@code text_encoder/}, {@code prior/}). */
    public static Path defaultModelDir() {
        if (modelVersion == null) {
            List<String> all = new ArrayList<>(TINY_FILES);
            all.add(TOKENIZER);
            modelVersion = contentHash(all);
        }
        Path dir = cacheDir().resolve("models").resolve("tiny-" + modelVersion);
        for (String file : TINY_FILES) {
            extract(file, dir.resolve(file.substring("models/tiny/".length())));
        }
        extract(TOKENIZER, dir.resolve("tokenizer/tokenizer.json"));
        return dir;
    }

    /** Loads the embedded default model, served as {@link #DEFAULT_MODEL_NAME}. */
    public static EclipseModel loadDefault(RuntimeOptions options) {
        return EclipseModel.load(ModelPaths.of(defaultModelDir()), options, DEFAULT_MODEL_NAME);
    }

    /** The folder holding the shipped CLIP {@code tokenizer.json}. */
    public static Path defaultTokenizerDir() {
        if (tokenizerVersion == null) {
            tokenizerVersion = contentHash(List.of(TOKENIZER));
        }
        Path dir = cacheDir().resolve("tokenizer").resolve("clip-" + tokenizerVersion);
        extract(TOKENIZER, dir.resolve("tokenizer.json"));
        return dir;
    }

    /** The first 16 hex digits of the SHA-256 of the named resources' bytes, in order. */
    private static String contentHash(List<String> resources) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (String resource : resources) {
                try (InputStream in = EmbeddedModels.class.getResourceAsStream(ROOT + resource)) {
                    if (in == null) {
                        throw new ModelException("embedded resource " + ROOT + resource + " is missing from the jar");
                    }
                    for (int n; (n = in.read(buf)) > 0; ) {
                        digest.update(buf, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded model", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
