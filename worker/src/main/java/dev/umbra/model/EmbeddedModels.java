package dev.umbra.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The model files shipped inside the jar: the CLIP tokenizer, the shapes-world model (the default: trained by
 * {@code train-shapes}, with a decoder) and the tiny random model (the golden reference of the parity tests).
 * Each model folder lists its files in {@code files.txt}.
 *
 * <p>Checkpoints are memory-mapped, which needs real files, so the resources are copied once into a cache
 * folder ({@code $UMBRA_CACHE_DIR}, else {@code ~/.cache/umbra}), named by a hash of their content, and reused
 * from there.
 */
public final class EmbeddedModels {

    /** Name under which the embedded default model is served. */
    public static final String DEFAULT_MODEL_NAME = "umbra-shapes";
    /** Name of the tiny random model. */
    public static final String TINY_MODEL_NAME = "umbra-tiny-random";

    private static final String ROOT = "/umbra/";
    private static final String TOKENIZER = "tokenizer/clip/tokenizer.json";
    private static final String MANIFEST = "files.txt";
    // The cache folders are named by the content of what they hold, so a changed jar never reuses stale files.
    private static final Map<String, Path> extracted = new ConcurrentHashMap<>();
    private static volatile String tokenizerVersion;

    private EmbeddedModels() {}

    /**
     * The default model, the shapes world's, in the standard layout: {@code tokenizer/}, {@code text_encoder/},
     * {@code image_encoder/}, {@code prior/}, {@code priors/lambda-X/} (the sweep of {@code eval}), {@code decoder/}.
     */
    public static Path defaultModelDir() {
        return modelDir("shapes");
    }

    /** The tiny random model ({@code tokenizer/}, {@code text_encoder/}, {@code prior/}): the golden reference. */
    public static Path tinyModelDir() {
        return modelDir("tiny");
    }

    /** Loads the embedded default model's prior stack, served as {@link #DEFAULT_MODEL_NAME}. */
    public static EclipseModel loadDefault(RuntimeOptions options) {
        return EclipseModel.load(ModelPaths.of(defaultModelDir()), options, DEFAULT_MODEL_NAME);
    }

    private static Path modelDir(String model) {
        return extracted.computeIfAbsent(model, m -> {
            List<String> files = new ArrayList<>();
            for (String line : readResource("models/" + m + "/" + MANIFEST).split("\n")) {
                if (!line.isBlank()) {
                    files.add("models/" + m + "/" + line.strip());
                }
            }
            List<String> all = new ArrayList<>(files);
            all.add(TOKENIZER);
            Path dir = cacheDir().resolve("models").resolve(m + "-" + contentHash(all));
            for (String file : files) {
                extract(file, dir.resolve(file.substring(("models/" + m + "/").length())));
            }
            extract(TOKENIZER, dir.resolve("tokenizer/tokenizer.json"));
            return dir;
        });
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

    private static String readResource(String resource) {
        try (InputStream in = EmbeddedModels.class.getResourceAsStream(ROOT + resource)) {
            if (in == null) {
                throw new ModelException("embedded resource " + ROOT + resource + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded resource " + resource, e);
        }
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
