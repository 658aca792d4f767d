package dev.umbra.cli;

import dev.umbra.model.init.InitModelJob;
import dev.umbra.model.init.ModelPreset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code init-model}: a model folder of a real size with random weights, for runs and benchmarks without downloads. */
@Command(
        name = "init-model",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a model folder of the real sizes with random weights, in the Hugging Face layout that --model",
            "reads: tokenizer/ (the shipped CLIP tokenizer), text_encoder/ (CLIPTextModelWithProjection) and prior/",
            "(ECLIPSE PriorTransformer), each config.json beside its safetensors. kandinsky: CLIP ViT-bigG/14 text",
            "tower (~695M parameters) + prior E=1280; karlo: CLIP ViT-L/14 (~124M) + prior E=768; tiny: the sizes",
            "of the embedded tiny model. The same preset, seed and dtype give the same bytes."
        })
final class InitModelCommand implements Callable<Integer> {

    @Option(names = "--preset", paramLabel = "kandinsky|karlo|tiny", required = true, description = "The sizes to write.")
    String preset;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "The model folder to create (new or empty).")
    Path out;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "float32|float16",
            description = "How the weights are stored (default: float16 for kandinsky and karlo, float32 for tiny).")
    String dtype;

    @Option(names = "--dry-run", description = "Print the parts, tensors, parameters and bytes; write nothing.")
    boolean dryRun;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelPreset p = ModelPreset.parse(preset);
        InitModelJob.Options options = new InitModelJob.Options(p, out, seed, ModelPreset.parseDtype(dtype, null), dryRun);
        var err = spec.commandLine().getErr();
        InitModelJob.Summary summary = InitModelJob.run(options, line -> {
            err.println(line);
            err.flush();
        });
        spec.commandLine().getOut().println(summary.describe());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
