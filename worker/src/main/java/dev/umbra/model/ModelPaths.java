package dev.umbra.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the three parts of an ECLIPSE model live: a folder with {@code tokenizer.json}, a Hugging Face
 * {@code CLIPTextModelWithProjection} folder and a diffusers {@code PriorTransformer} folder.
 */
public record ModelPaths(Path tokenizer, Path textEncoder, Path prior) {

    /**
     * The standard layout: {@code dir/tokenizer}, {@code dir/text_encoder}, {@code dir/prior}. A folder
     * without {@code tokenizer/} gets the shipped CLIP tokenizer, which every released ECLIPSE prior uses.
     */
    public static ModelPaths of(Path dir) {
        Path tokenizer = dir.resolve("tokenizer");
        if (!Files.exists(tokenizer)) {
            tokenizer = EmbeddedModels.defaultTokenizerDir();
        }
        return new ModelPaths(tokenizer, dir.resolve("text_encoder"), dir.resolve("prior"));
    }
}
