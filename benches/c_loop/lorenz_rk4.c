/* Fixed-step classical RK4 on Lorenz (sigma = 10, rho = 28, beta = 2.667, chaoslab's
 * catalog defaults): the plain C baseline for
 * `chaoslab bench integrate --system Lorenz --method rk4`. Same step and start as
 * chaoslab (h = 0.007504 = catalog dt/2, the catalog's initial condition).
 * Usage: lorenz_rk4 [STEPS] [H]; prints steps per second and the final state. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void lorenz(const double *x, double *d) {
    const double sigma = 10.0, rho = 28.0, beta = 2.667; /* the catalog defaults */
    d[0] = sigma * (x[1] - x[0]);
    d[1] = x[0] * (rho - x[2]) - x[1];
    d[2] = x[0] * x[1] - beta * x[2];
}

int main(int argc, char **argv) {
    long steps = argc > 1 ? atol(argv[1]) : 10000000;
    double h = argc > 2 ? atof(argv[2]) : 0.007504;
    double x[3] = {-9.7869288, -15.03852, 20.533978}, k1[3], k2[3], k3[3], k4[3], t[3];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long s = 0; s < steps; s++) {
        lorenz(x, k1);
        for (int i = 0; i < 3; i++) t[i] = x[i] + 0.5 * h * k1[i];
        lorenz(t, k2);
        for (int i = 0; i < 3; i++) t[i] = x[i] + 0.5 * h * k2[i];
        lorenz(t, k3);
        for (int i = 0; i < 3; i++) t[i] = x[i] + h * k3[i];
        lorenz(t, k4);
        for (int i = 0; i < 3; i++) x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double el = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    printf("steps %ld  h %g  elapsed_s %.6f  steps_per_second %.6e\n", steps, h, el, steps / el);
    printf("final state %.12f %.12f %.12f\n", x[0], x[1], x[2]);
    return 0;
}
