package dev.umbra.decoder.torchscript;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The noise schedule a decoder was trained with: the {@code scheduler} object of decoder.json, copied by the export
 * script from diffusers' scheduler config (Kandinsky 2.2: a {@code DDPMScheduler}).
 *
 * @param numTrainTimesteps {@code num_train_timesteps}: T, the training chain's length (Kandinsky 2.2: 1000)
 * @param betaSchedule      {@code beta_schedule}: how the betas run from {@code beta_start} to {@code beta_end}
 * @param betaStart         {@code beta_start}
 * @param betaEnd           {@code beta_end}
 * @param timestepSpacing   {@code timestep_spacing}: which of the T timesteps a run of n steps visits
 * @param stepsOffset       {@code steps_offset}: added to every timestep of the {@code leading} spacing
 * @param predictionType    {@code prediction_type}: what the UNet predicts
 * @param clipSample        {@code clip_sample}: clamp the predicted clean latent to +-{@code clip_sample_range}
 * @param clipSampleRange   {@code clip_sample_range}
 * @param setAlphaToOne     {@code set_alpha_to_one}: DDIM's last step goes to alpha 1 (else to alphas_cumprod[0])
 */
public record SchedulerConfig(int numTrainTimesteps, BetaSchedule betaSchedule, double betaStart, double betaEnd,
                              TimestepSpacing timestepSpacing, int stepsOffset, PredictionType predictionType,
                              boolean clipSample, double clipSampleRange, boolean setAlphaToOne) {

    /** The betas' shape over the T training timesteps, as diffusers names it. */
    public enum BetaSchedule {
        LINEAR, SCALED_LINEAR, SQUAREDCOS_CAP_V2;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the timesteps of an n-step run are chosen, as diffusers names it. */
    public enum TimestepSpacing {
        LEADING, TRAILING, LINSPACE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What the UNet's output is. */
    public enum PredictionType {
        EPSILON, V_PREDICTION, SAMPLE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SchedulerConfig {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2 (got " + numTrainTimesteps + ")");
        }
        if (!(betaStart > 0 && betaEnd >= betaStart && betaEnd < 1)) {
            throw new IllegalArgumentException("betas must satisfy 0 < beta_start <= beta_end < 1 (got " + betaStart
                    + ", " + betaEnd + ")");
        }
        if (stepsOffset < 0) {
            throw new IllegalArgumentException("steps_offset must not be negative (got " + stepsOffset + ")");
        }
        if (clipSample && !(clipSampleRange > 0)) {
            throw new IllegalArgumentException("clip_sample_range must be positive (got " + clipSampleRange + ")");
        }
    }

    /** Kandinsky 2.2 decoder's: linear betas 0.00085 to 0.012 over 1000 steps, leading spacing, offset 1, epsilon. */
    public static SchedulerConfig kandinsky22() {
        return new SchedulerConfig(1000, BetaSchedule.LINEAR, 0.00085, 0.012, TimestepSpacing.LEADING, 1,
                PredictionType.EPSILON, false, 1.0, true);
    }

    static SchedulerConfig read(JsonFields s) {
        // The variants this loop does not implement are refused by name rather than run wrongly.
        s.oneOf("variance_type", Set.of("fixed_small"));
        if (s.bool("thresholding", false)) {
            throw s.unsupported("thresholding", true, "false");
        }
        try {
            return new SchedulerConfig(s.integer("num_train_timesteps", 2),
                    BetaSchedule.valueOf(upper(s.oneOf("beta_schedule", keys(BetaSchedule.values())))),
                    s.number("beta_start"), s.number("beta_end"),
                    TimestepSpacing.valueOf(upper(s.oneOf("timestep_spacing", keys(TimestepSpacing.values())))),
                    s.integer("steps_offset", 0),
                    PredictionType.valueOf(upper(s.oneOf("prediction_type", keys(PredictionType.values())))),
                    s.bool("clip_sample", false), s.has("clip_sample_range") ? s.number("clip_sample_range") : 1.0,
                    s.bool("set_alpha_to_one", true));
        } catch (IllegalArgumentException e) {
            throw s.error(e.getMessage());
        }
    }

    private static String upper(String key) {
        return key.toUpperCase(Locale.ROOT);
    }

    private static Set<String> keys(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }
}
