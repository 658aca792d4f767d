package dev.umbra.decoder.torchscript;

/**
 * Ancestral DDPM (Ho et al. 2020, eqs. 6-7; diffusers' {@code DDPMScheduler.step} with variance_type fixed_small):
 * the posterior mean of x_{t-1} given x_t and the predicted x_0, plus its standard deviation times fresh noise at
 * every timestep above 0.
 */
public final class DdpmSampler implements Sampler {

    /** diffusers clamps the variance here before its square root. */
    static final double MIN_VARIANCE = 1e-20;

    private final NoiseSchedule schedule;

    public DdpmSampler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public Kind kind() {
        return Kind.DDPM;
    }

    @Override
    public boolean needsNoise(int timestep) {
        return timestep > 0;
    }

    @Override
    public void step(float[] modelOutput, int timestep, int steps, float[] sample, float[] noise) {
        Sampler.checkLengths(modelOutput, sample);
        boolean noisy = needsNoise(timestep);
        if (noisy && (noise == null || noise.length != sample.length)) {
            throw new IllegalArgumentException("a DDPM step at t=" + timestep + " needs " + sample.length
                    + " noise values (got " + (noise == null ? "none" : noise.length) + ")");
        }
        SchedulerConfig c = schedule.config();
        double a = schedule.alphaProd(timestep);
        double aPrev = schedule.alphaProd(schedule.previous(timestep, steps));
        double beta = 1 - a;
        double betaPrev = 1 - aPrev;
        double currentAlpha = a / aPrev;
        double currentBeta = 1 - currentAlpha;
        double x0Coeff = Math.sqrt(aPrev) * currentBeta / beta;
        double xCoeff = Math.sqrt(currentAlpha) * betaPrev / beta;
        double sigma = noisy ? Math.sqrt(Math.max(betaPrev / beta * currentBeta, MIN_VARIANCE)) : 0;
        double sqrtA = Math.sqrt(a);
        double sqrtOneMinusA = Math.sqrt(1 - a);
        for (int i = 0; i < sample.length; i++) {
            double x = sample[i];
            double x0 = Sampler.clip(c, Sampler.original(c.predictionType(), modelOutput[i], x, sqrtA, sqrtOneMinusA));
            double mean = x0Coeff * x0 + xCoeff * x;
            sample[i] = (float) (noisy ? mean + sigma * noise[i] : mean);
        }
    }
}
