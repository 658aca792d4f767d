package dev.umbra.cli;

import dev.umbra.embed.EmbedJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code embed}: prompts file in, tokenizer/text-encoder/prior outputs out as .npy files. */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description = {
            "Runs prompts through the CLIP tokenizer, CLIP text encoder and ECLIPSE prior, batched, and writes",
            "input_ids.npy, attention_mask.npy (int64 [N,77]), text_embeds.npy, last_hidden_state.npy and",
            "image_embeds.npy (float32) to --out."
        })
final class EmbedCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model folder holding tokenizer/, text_encoder/ and prior/ (default: the embedded shapes model).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (tokenizer.json); overrides --model.")
    Path tokenizer;

    @Option(names = "--text-encoder", paramLabel = "DIR", description = "CLIPTextModelWithProjection folder; overrides --model.")
    Path textEncoder;

    @Option(names = "--prior", paramLabel = "DIR", description = "ECLIPSE PriorTransformer folder; overrides --model.")
    Path prior;

    @Option(names = "--prompts", paramLabel = "FILE", required = true,
            description = "UTF-8 text, one prompt per line (an empty line is an empty prompt).")
    Path prompts;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder for the .npy outputs (created).")
    Path out;

    @ArgGroup(exclusive = true)
    NoiseChoice noise;

    static final class NoiseChoice {
        @Option(names = "--noise", paramLabel = "FILE.npy|zeros",
                description = "Prior noise: a float32 [N,E] .npy file, or 'zeros'.")
        String noise;

        @Option(names = "--seed", paramLabel = "N",
                description = "Draw the noise reproducibly: row i uses seed N+i (default: a random seed, printed).")
        Long seed;
    }

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @CommandLine.Mixin
    RuntimeOptionsMixin runtime;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EmbedJob.Noise noiseSpec;
        if (noise != null && noise.noise != null) {
            noiseSpec = noise.noise.equals("zeros") ? EmbedJob.Noise.zeros() : EmbedJob.Noise.file(Path.of(noise.noise));
        } else {
            noiseSpec = noise != null && noise.seed != null ? EmbedJob.Noise.seed(noise.seed) : EmbedJob.Noise.randomSeed();
        }
        EmbedJob.Options options = new EmbedJob.Options(model, tokenizer, textEncoder, prior, prompts, out,
                noiseSpec, batchSize, runtime.device, runtime.dtype, runtime.padTokenId);
        var err = spec.commandLine().getErr();
        EmbedJob.Summary summary = EmbedJob.run(options, line -> {
            err.println(line);
            err.flush();
        });
        spec.commandLine().getOut().println(summary.describe());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
