package dev.umbra.decoder.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.torchscript.SchedulerConfig.BetaSchedule;
import dev.umbra.decoder.torchscript.SchedulerConfig.PredictionType;
import dev.umbra.decoder.torchscript.SchedulerConfig.TimestepSpacing;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The schedule and the two samplers as plain math: the timesteps diffusers' {@code set_timesteps} gives for each
 * spacing, the betas' ends, and properties a correct step must have (a perfect noise prediction lands DDIM on the
 * clean latent; v and sample predictions convert back to the same x_0 and noise).
 */
class NoiseScheduleTest {

    static SchedulerConfig config(TimestepSpacing spacing, int offset, PredictionType prediction, boolean alphaToOne) {
        return new SchedulerConfig(1000, BetaSchedule.LINEAR, 0.00085, 0.012, spacing, offset, prediction, false, 1,
                alphaToOne);
    }

    @Test
    void leadingSpacingWithOffsetOneIsKandinskys() {
        int[] t = new NoiseSchedule(SchedulerConfig.kandinsky22()).timesteps(50);
        assertEquals(50, t.length);
        assertEquals(981, t[0]);
        assertEquals(961, t[1]);
        assertEquals(1, t[49]);
        assertArrayEquals(new int[] {751, 501, 251, 1}, new NoiseSchedule(SchedulerConfig.kandinsky22()).timesteps(4));
    }

    @Test
    void trailingAndLinspaceSpacings() {
        assertArrayEquals(new int[] {999, 749, 499, 249},
                new NoiseSchedule(config(TimestepSpacing.TRAILING, 0, PredictionType.EPSILON, true)).timesteps(4));
        assertArrayEquals(new int[] {999, 666, 333, 0},
                new NoiseSchedule(config(TimestepSpacing.LINSPACE, 0, PredictionType.EPSILON, true)).timesteps(4));
        assertArrayEquals(new int[] {0},
                new NoiseSchedule(config(TimestepSpacing.LINSPACE, 0, PredictionType.EPSILON, true)).timesteps(1));
    }

    @Test
    void stepsOutsideTheChainAreRefused() {
        NoiseSchedule s = new NoiseSchedule(SchedulerConfig.kandinsky22());
        assertThrows(IllegalArgumentException.class, () -> s.timesteps(0));
        assertThrows(IllegalArgumentException.class, () -> s.timesteps(1001));
        // leading with offset 1 at 1000 steps would visit t = 1000, past the chain
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.timesteps(1000));
        assertTrue(e.getMessage().contains("timestep 1000"), e.getMessage());
    }

    @Test
    void betasRunFromStartToEnd() {
        double[] linear = NoiseSchedule.betas(SchedulerConfig.kandinsky22());
        assertEquals(0.00085, linear[0], 1e-15);
        assertEquals(0.012, linear[999], 1e-15);
        double[] scaled = NoiseSchedule.betas(new SchedulerConfig(1000, BetaSchedule.SCALED_LINEAR, 0.00085, 0.012,
                TimestepSpacing.LEADING, 1, PredictionType.EPSILON, false, 1, true));
        assertEquals(0.00085, scaled[0], 1e-15);
        assertEquals(0.012, scaled[999], 1e-15);
        assertTrue(scaled[500] < linear[500], "scaled_linear is below linear in the middle");
        double[] cosine = NoiseSchedule.betas(new SchedulerConfig(1000, BetaSchedule.SQUAREDCOS_CAP_V2, 0.0001, 0.02,
                TimestepSpacing.LEADING, 1, PredictionType.EPSILON, false, 1, true));
        assertEquals(0.999, cosine[999], 1e-12);
    }

    @Test
    void beforeTheChainAlphaIsOneOrTheFirstAlphaForDdim() {
        NoiseSchedule one = new NoiseSchedule(config(TimestepSpacing.LEADING, 1, PredictionType.EPSILON, true));
        NoiseSchedule first = new NoiseSchedule(config(TimestepSpacing.LEADING, 1, PredictionType.EPSILON, false));
        assertEquals(1.0, one.alphaProdDdim(-5));
        assertEquals(1 - 0.00085, first.alphaProdDdim(-5), 1e-15);
        assertEquals(1.0, first.alphaProd(-5));
        assertEquals(-19, one.previous(1, 50));
    }

    @Test
    void ddimWithAPerfectNoisePredictionLandsOnTheCleanLatent() {
        NoiseSchedule s = new NoiseSchedule(SchedulerConfig.kandinsky22());
        Random random = new Random(1);
        float[] x0 = new float[16];
        float[] eps = new float[16];
        float[] x = new float[16];
        int t = s.timesteps(1)[0];
        double a = s.alphaProd(t);
        for (int i = 0; i < x.length; i++) {
            x0[i] = (float) random.nextGaussian();
            eps[i] = (float) random.nextGaussian();
            x[i] = (float) (Math.sqrt(a) * x0[i] + Math.sqrt(1 - a) * eps[i]);
        }
        new DdimSampler(s).step(eps, t, 1, x, null);
        assertArrayEquals(x0, x, 1e-4f);
    }

    @Test
    void vAndSamplePredictionsGiveBackTheSameCleanLatentAndNoise() {
        double a = 0.3;
        double x0 = 0.7;
        double eps = -1.2;
        double x = Math.sqrt(a) * x0 + Math.sqrt(1 - a) * eps;
        double v = Math.sqrt(a) * eps - Math.sqrt(1 - a) * x0;
        double sa = Math.sqrt(a);
        double s1a = Math.sqrt(1 - a);
        assertEquals(x0, Sampler.original(PredictionType.V_PREDICTION, v, x, sa, s1a), 1e-12);
        assertEquals(eps, Sampler.epsilon(PredictionType.V_PREDICTION, v, x, sa, s1a), 1e-12);
        assertEquals(x0, Sampler.original(PredictionType.SAMPLE, x0, x, sa, s1a), 1e-12);
        assertEquals(eps, Sampler.epsilon(PredictionType.SAMPLE, x0, x, sa, s1a), 1e-12);
        assertEquals(x0, Sampler.original(PredictionType.EPSILON, eps, x, sa, s1a), 1e-12);
    }

    @Test
    void ddpmNeedsNoiseAboveTimestepZeroOnly() {
        DdpmSampler ddpm = new DdpmSampler(new NoiseSchedule(
                config(TimestepSpacing.LINSPACE, 0, PredictionType.EPSILON, true)));
        assertTrue(ddpm.needsNoise(1));
        assertTrue(!ddpm.needsNoise(0));
        float[] x = {1f, 2f};
        ddpm.step(new float[2], 0, 4, x, null); // the last linspace step, t = 0: the mean alone
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ddpm.step(new float[2], 333, 4, new float[2], null));
        assertTrue(e.getMessage().contains("needs 2 noise values"), e.getMessage());
    }
}
