package dev.umbra.decoder.torchscript;

/**
 * The forward process's cumulative alphas and the timesteps an n-step run visits, as diffusers' DDPMScheduler and
 * DDIMScheduler compute them ({@code set_timesteps}, {@code previous_timestep}). Computed in double precision: the
 * reference export script does the same, and diffusers' float32 tables differ from it by about 1e-7.
 */
public final class NoiseSchedule {

    private final SchedulerConfig config;
    private final double[] alphasCumprod;

    public NoiseSchedule(SchedulerConfig config) {
        this.config = config;
        double[] betas = betas(config);
        alphasCumprod = new double[betas.length];
        double product = 1;
        for (int t = 0; t < betas.length; t++) {
            product *= 1 - betas[t];
            alphasCumprod[t] = product;
        }
    }

    public SchedulerConfig config() {
        return config;
    }

    static double[] betas(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        double[] betas = new double[n];
        for (int i = 0; i < n; i++) {
            double f = (double) i / (n - 1);
            betas[i] = switch (c.betaSchedule()) {
                case LINEAR -> c.betaStart() + f * (c.betaEnd() - c.betaStart());
                case SCALED_LINEAR -> {
                    double s = Math.sqrt(c.betaStart()) + f * (Math.sqrt(c.betaEnd()) - Math.sqrt(c.betaStart()));
                    yield s * s;
                }
                // GLIDE's cosine schedule; diffusers caps each beta at 0.999
                case SQUAREDCOS_CAP_V2 -> Math.min(1 - alphaBar((i + 1.0) / n) / alphaBar((double) i / n), 0.999);
            };
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * The timesteps of an n-step run, from the noisiest down.
     *
     * @throws IllegalArgumentException if steps is not in 1..T
     */
    public int[] timesteps(int steps) {
        int n = config.numTrainTimesteps();
        if (steps < 1 || steps > n) {
            throw new IllegalArgumentException("steps must be between 1 and " + n + " (got " + steps + ")");
        }
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            int j = steps - 1 - i; // leading and linspace are built ascending, then reversed
            out[i] = switch (config.timestepSpacing()) {
                case LEADING -> j * (n / steps) + config.stepsOffset();
                case TRAILING -> (int) Math.rint(n - i * ((double) n / steps)) - 1;
                case LINSPACE -> steps == 1 ? 0 : (int) Math.rint(j * ((n - 1.0) / (steps - 1)));
            };
        }
        for (int t : out) {
            if (t < 0 || t >= n) {
                throw new IllegalArgumentException("steps " + steps + " with steps_offset " + config.stepsOffset()
                        + " gives timestep " + t + ", outside 0.." + (n - 1));
            }
        }
        return out;
    }

    /** The timestep a step from {@code t} lands on: diffusers' {@code t - T // steps}, negative past the end. */
    public int previous(int t, int steps) {
        return t - config.numTrainTimesteps() / steps;
    }

    /** alpha-bar at {@code t}; 1 before the chain starts (t &lt; 0), as DDPM takes it. */
    public double alphaProd(int t) {
        return t >= 0 ? alphasCumprod[t] : 1.0;
    }

    /** alpha-bar at {@code t} as DDIM takes it: before the chain, 1 or alphas_cumprod[0] ({@code set_alpha_to_one}). */
    public double alphaProdDdim(int t) {
        return t >= 0 ? alphasCumprod[t] : config.setAlphaToOne() ? 1.0 : alphasCumprod[0];
    }
}
