package dev.umbra.decoder.torchscript;

/**
 * DDIM with eta 0 (Song et al. 2020, eq. 12; diffusers' {@code DDIMScheduler.step}):
 * x_{t-1} = sqrt(a_prev) x_0 + sqrt(1 - a_prev) eps, no fresh noise.
 */
public final class DdimSampler implements Sampler {

    private final NoiseSchedule schedule;

    public DdimSampler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public Kind kind() {
        return Kind.DDIM;
    }

    @Override
    public boolean needsNoise(int timestep) {
        return false;
    }

    @Override
    public void step(float[] modelOutput, int timestep, int steps, float[] sample, float[] noise) {
        Sampler.checkLengths(modelOutput, sample);
        SchedulerConfig c = schedule.config();
        double a = schedule.alphaProdDdim(timestep);
        double aPrev = schedule.alphaProdDdim(schedule.previous(timestep, steps));
        double x0Coeff = Math.sqrt(aPrev);
        double epsCoeff = Math.sqrt(1 - aPrev);
        double sqrtA = Math.sqrt(a);
        double sqrtOneMinusA = Math.sqrt(1 - a);
        for (int i = 0; i < sample.length; i++) {
            double x = sample[i];
            double x0 = Sampler.clip(c, Sampler.original(c.predictionType(), modelOutput[i], x, sqrtA, sqrtOneMinusA));
            double eps = Sampler.epsilon(c.predictionType(), modelOutput[i], x, sqrtA, sqrtOneMinusA);
            sample[i] = (float) (x0Coeff * x0 + epsCoeff * eps);
        }
    }
}
