package dev.umbra.model;

import java.nio.file.Path;

/**
 * Where the three parts of an ECLIPSE model live: a folder with {@code tokenizer.json}, a Hugging Face
 * {@code CLIPTextModelWithProjection} folder and a diffusers {@code PriorTransformer} folder.
 */
public record ModelPaths(Path tokenizer, Path textEncoder, Path prior) {

    /** The standard layout: {@code dir/tokenizer}, {@code dir/text_encoder}, {@code dir/prior}. */
    public static ModelPaths of(Path dir) {
        return new ModelPaths(dir.resolve("tokenizer"), dir.resolve("text_encoder"), dir.resolve("prior"));
    }
}
