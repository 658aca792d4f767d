package dev.umbra.decoder.torchscript;

import java.util.Arrays;
import java.util.Locale;

/**
 * One reverse-diffusion step, x_t to x_{t-1}, on one request's latent: the math of diffusers' schedulers' {@code step},
 * without their state (the timestep and the run's length are arguments), so one sampler serves every request of a
 * batch whatever its number of steps.
 */
public sealed interface Sampler permits DdimSampler, DdpmSampler {

    /** The samplers there are, by the names decoder.json uses. */
    enum Kind {
        /** Deterministic (eta 0): the same starting noise gives the same picture at any step count. */
        DDIM,
        /** Ancestral: draws fresh noise at every step but the last; what Kandinsky 2.2's pipeline runs. */
        DDPM;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the known samplers */
        public static Kind parse(String key) {
            for (Kind k : values()) {
                if (k.key().equals(key)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown sampler '" + key + "' (known: "
                    + Arrays.stream(values()).map(Kind::key).toList() + ")");
        }
    }

    static Sampler of(Kind kind, NoiseSchedule schedule) {
        return switch (kind) {
            case DDIM -> new DdimSampler(schedule);
            case DDPM -> new DdpmSampler(schedule);
        };
    }

    Kind kind();

    /** Whether the step from {@code timestep} takes standard normal noise. */
    boolean needsNoise(int timestep);

    /**
     * Replaces {@code sample} (x_t) by x_{t-1}.
     *
     * @param modelOutput the UNet's prediction for this request, guided, variance channels dropped; as long as sample
     * @param timestep    t, one of {@link NoiseSchedule#timesteps(int) timesteps(steps)}
     * @param steps       the run's length
     * @param sample      x_t, overwritten
     * @param noise       standard normal values as long as sample when {@link #needsNoise} says so, else ignored
     */
    void step(float[] modelOutput, int timestep, int steps, float[] sample, float[] noise);

    /**
     * The predicted clean latent x_0 from the model's output, before any clipping.
     *
     * @param sqrtA          sqrt(alpha-bar_t)
     * @param sqrtOneMinusA  sqrt(1 - alpha-bar_t)
     */
    static double original(SchedulerConfig.PredictionType type, double out, double x, double sqrtA,
            double sqrtOneMinusA) {
        return switch (type) {
            case EPSILON -> (x - sqrtOneMinusA * out) / sqrtA;
            case V_PREDICTION -> sqrtA * x - sqrtOneMinusA * out;
            case SAMPLE -> out;
        };
    }

    /** The predicted noise from the model's output (from the unclipped x_0, as diffusers). */
    static double epsilon(SchedulerConfig.PredictionType type, double out, double x, double sqrtA,
            double sqrtOneMinusA) {
        return switch (type) {
            case EPSILON -> out;
            case V_PREDICTION -> sqrtA * out + sqrtOneMinusA * x;
            case SAMPLE -> (x - sqrtA * out) / sqrtOneMinusA;
        };
    }

    static double clip(SchedulerConfig c, double x0) {
        return c.clipSample() ? Math.max(-c.clipSampleRange(), Math.min(c.clipSampleRange(), x0)) : x0;
    }

    static void checkLengths(float[] modelOutput, float[] sample) {
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException("the model output has " + modelOutput.length + " values, the sample "
                    + sample.length);
        }
    }
}
