package dev.umbra.cli;

import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.generate.GenerateJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code generate}: prompts file in, PNG pictures and index.jsonl out, offline. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Runs prompts through the whole pipeline the worker runs (CLIP tokenizer, text encoder, ECLIPSE prior,",
            "decoder) and writes OUT/<line>-<image>.png and OUT/index.jsonl (line, prompt, image, seed, file,",
            "text_image_alignment: the CLIP score of the picture against its prompt)."
        })
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model folder with tokenizer/, text_encoder/, prior/, decoder/ and image_encoder/"
                    + " (default: the embedded shapes model).")
    Path model;

    @Option(names = "--prompts", paramLabel = "FILE", required = true,
            description = "UTF-8 text, one prompt per line (an empty line is an empty prompt).")
    Path prompts;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder for the pictures (created).")
    Path out;

    @Option(names = "--images", paramLabel = "N", defaultValue = "1",
            description = "Pictures per prompt, 1 to " + GenerateJob.MAX_IMAGES + " (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--seed", paramLabel = "N",
            description = "Image j of line i uses seed N + (i-1) * images + j (default: a random seed, printed).")
    Long seed;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "Pictures per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--candidates", paramLabel = "N", defaultValue = "8",
            description = "Pictures the decoder draws per image, keeping the one CLIP finds nearest the prior's"
                    + " embedding; 1 keeps the first (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "Scales the decoder's noise; below 1 trades diversity for typical pictures (default: ${DEFAULT-VALUE}).")
    float temperature;

    @CommandLine.Mixin
    RuntimeOptionsMixin runtime;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        // an out-of-range value is an IllegalArgumentException: one line and exit code 2
        ShapesImageDecoder.Sampling sampling = new ShapesImageDecoder.Sampling(temperature, candidates);
        GenerateJob.Summary summary = GenerateJob.run(new GenerateJob.Options(model, prompts, out, images, seed,
                batchSize, sampling, runtime.toRuntimeOptions()), line -> {
                    err.println(line);
                    err.flush();
                });
        spec.commandLine().getOut().println(summary.describe());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
