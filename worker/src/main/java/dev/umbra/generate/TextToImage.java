package dev.umbra.generate;

import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ImageEncoder;
import dev.umbra.model.ModelException;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.math.EmbeddingMath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt to picture, as the worker runs it: CLIP tokenizer, CLIP text encoder, ECLIPSE prior (noise from the
 * image's seed), decoder (latent from the same seed); then the CLIP image tower scores each picture against its
 * prompt (cosine of the prompt's text embedding and the picture's image embedding: a CLIP score).
 *
 * <p>Owns the three loaded parts and closes them.
 */
public final class TextToImage implements AutoCloseable {

    /** The folders of a full model: the ECLIPSE parts, the decoder and the image tower. */
    public record Parts(ModelPaths eclipse, Path decoder, Path imageEncoder, String name) {

        /** The standard layout: {@code tokenizer/}, {@code text_encoder/}, {@code prior/}, {@code decoder/}, {@code image_encoder/}. */
        public static Parts of(Path dir, String name) {
            return new Parts(ModelPaths.of(dir), dir.resolve("decoder"), dir.resolve("image_encoder"), name);
        }

        /** The same model with another prior (the lambda sweep). */
        public Parts withPrior(Path prior) {
            return new Parts(new ModelPaths(eclipse.tokenizer(), eclipse.textEncoder(), prior), decoder, imageEncoder,
                    name);
        }
    }

    /** One generated picture and how it came about. */
    public record Picture(String prompt, long seed, DecodedImage image, float[] textEmbedding, float[] imageEmbedding,
                          double textImageAlignment) {}

    private final EclipseModel eclipse;
    private final ImageDecoder decoder;
    private final ImageEncoder imageEncoder;

    private TextToImage(EclipseModel eclipse, ImageDecoder decoder, ImageEncoder imageEncoder) {
        this.eclipse = eclipse;
        this.decoder = decoder;
        this.imageEncoder = imageEncoder;
    }

    public static TextToImage load(Parts parts, RuntimeOptions options) {
        return load(parts, options, ShapesImageDecoder.Sampling.DEFAULT);
    }

    public static TextToImage load(Parts parts, RuntimeOptions options, ShapesImageDecoder.Sampling sampling) {
        for (Path dir : List.of(parts.decoder(), parts.imageEncoder())) {
            if (!Files.isDirectory(dir)) {
                throw new ModelException(dir + ": folder not found (generating pictures needs a model with "
                        + "decoder/ and image_encoder/, such as the embedded shapes model or one from train-shapes)");
            }
        }
        EclipseModel eclipse = parts.name() == null ? EclipseModel.load(parts.eclipse(), options)
                : EclipseModel.load(parts.eclipse(), options, parts.name());
        ImageDecoder decoder = null;
        try {
            decoder = ShapesImageDecoder.load(parts.decoder(), parts.imageEncoder(), options, sampling);
            ImageEncoder imageEncoder = ImageEncoder.load(parts.imageEncoder(), options);
            check(parts, eclipse.embeddingDim(), decoder.embeddingDim(), imageEncoder.embeddingDim());
            return new TextToImage(eclipse, decoder, imageEncoder);
        } catch (RuntimeException e) {
            if (decoder != null) {
                decoder.close();
            }
            eclipse.close();
            throw e;
        }
    }

    private static void check(Parts parts, int prior, int decoder, int image) {
        if (decoder != prior) {
            throw new ModelException(parts.decoder() + ": the decoder takes embeddings of " + decoder
                    + " values, the prior makes " + prior);
        }
        if (image != prior) {
            throw new ModelException(parts.imageEncoder() + ": the image encoder makes embeddings of " + image
                    + " values, the prior " + prior);
        }
    }

    public EclipseModel eclipse() {
        return eclipse;
    }

    /** Generates one picture per prompt, prompt i with seed {@code seeds[i]}, in one batch. */
    public List<Picture> generate(List<String> prompts, long[] seeds) {
        int n = prompts.size();
        int e = eclipse.embeddingDim();
        float[][] noise = new float[n][];
        for (int i = 0; i < n; i++) {
            noise[i] = PriorNoise.gaussian(seeds[i], e);
        }
        EmbeddingResult embedded = eclipse.embed(prompts, noise, false);
        List<DecodeRequest> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            requests.add(new DecodeRequest(embedded.imageEmbeds()[i], null, seeds[i]));
        }
        List<DecodedImage> images = decoder.decode(requests);
        float[][] scored = imageEncoder.embed(pixels(images, imageEncoder.imageSize()), n);
        List<Picture> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Picture(prompts.get(i), seeds[i], images.get(i), embedded.textEmbeds()[i],
                    embedded.imageEmbeds()[i], EmbeddingMath.cosine(embedded.textEmbeds()[i], scored[i])));
        }
        return out;
    }

    private static float[] pixels(List<DecodedImage> images, int size) {
        for (DecodedImage image : images) {
            if (image.width() != size || image.height() != size) {
                throw new ModelException("the decoder made a " + image.width() + "x" + image.height()
                        + " picture; the image encoder takes " + size + "x" + size);
            }
        }
        return DecodedImage.channelsFirst(images, size);
    }

    @Override
    public void close() {
        imageEncoder.close();
        decoder.close();
        eclipse.close();
    }
}
