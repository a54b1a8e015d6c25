// DAN against float64 references written out here: the generator and discriminator losses and their
// gradients by hand on tiny logits, the discriminator's forward pass against plain loops (convolutions,
// LeakyReLU, global average, linear layer), and the generator term's gradient on the specialist's logits
// against central finite differences through softmax and the discriminator.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "discriminator.h"
#include "losses.h"

namespace ss = labkit::semisam_train;

namespace {

double log_softmax_of(double a, double b, int cls) {
  const double m = std::max(a, b), lse = m + std::log(std::exp(a - m) + std::exp(b - m));
  return (cls == 0 ? a : b) - lse;
}

// A dense (C, D, H, W) volume in double.
struct Vol {
  int64_t c, d, h, w;
  std::vector<double> v;
  Vol(int64_t c_, int64_t d_, int64_t h_, int64_t w_) : c(c_), d(d_), h(h_), w(w_), v(c_ * d_ * h_ * w_, 0.0) {}
  double& at(int64_t ci, int64_t z, int64_t y, int64_t x) { return v[((ci * d + z) * h + y) * w + x]; }
  double get(int64_t ci, int64_t z, int64_t y, int64_t x) const {
    if (z < 0 || y < 0 || x < 0 || z >= d || y >= h || x >= w) return 0.0;  // zero padding
    return v[((ci * d + z) * h + y) * w + x];
  }
};

Vol from_tensor(const torch::Tensor& t) {  // (C, D, H, W)
  const auto c = t.to(torch::kFloat64).contiguous();
  Vol out(c.size(0), c.size(1), c.size(2), c.size(3));
  std::copy(c.data_ptr<double>(), c.data_ptr<double>() + c.numel(), out.v.begin());
  return out;
}

// Conv3d kernel 4, stride 2, padding 1, with bias.
Vol conv_k4s2p1(const Vol& in, const torch::nn::Conv3d& conv) {
  const auto wt = conv->weight.to(torch::kFloat64).contiguous();
  const auto bias = conv->bias.to(torch::kFloat64).contiguous();
  const auto wa = wt.accessor<double, 5>();
  const auto ba = bias.accessor<double, 1>();
  Vol out(wt.size(0), in.d / 2, in.h / 2, in.w / 2);
  for (int64_t o = 0; o < out.c; ++o)
    for (int64_t z = 0; z < out.d; ++z)
      for (int64_t y = 0; y < out.h; ++y)
        for (int64_t x = 0; x < out.w; ++x) {
          double s = ba[o];
          for (int64_t i = 0; i < in.c; ++i)
            for (int kz = 0; kz < 4; ++kz)
              for (int ky = 0; ky < 4; ++ky)
                for (int kx = 0; kx < 4; ++kx)
                  s += wa[o][i][kz][ky][kx] * in.get(i, 2 * z - 1 + kz, 2 * y - 1 + ky, 2 * x - 1 + kx);
          out.at(o, z, y, x) = s;
        }
  return out;
}

void leaky(Vol& v) {
  for (auto& x : v.v) x = x > 0 ? x : 0.2 * x;
}

// The discriminator without dropout (eval mode), one sample: probs (C, D, H, W), image (1, D, H, W).
std::array<double, 2> reference_discriminator(ss::DiscriminatorImpl& d, const torch::Tensor& probs,
                                              const torch::Tensor& image) {
  Vol a = conv_k4s2p1(from_tensor(probs), d.conv0), b = conv_k4s2p1(from_tensor(image), d.conv1);
  for (size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  leaky(a);
  for (auto* conv : {&d.conv2, &d.conv3, &d.conv4}) {
    a = conv_k4s2p1(a, *conv);
    leaky(a);
  }
  const int64_t cells = a.d * a.h * a.w;
  const auto lw = d.classifier->weight.to(torch::kFloat64).contiguous();
  const auto lb = d.classifier->bias.to(torch::kFloat64).contiguous();
  std::array<double, 2> out{};
  for (int k = 0; k < 2; ++k) {
    out[k] = lb.accessor<double, 1>()[k];
    for (int64_t ci = 0; ci < a.c; ++ci) {
      double mean = 0;
      for (int64_t j = 0; j < cells; ++j) mean += a.v[ci * cells + j];
      out[k] += lw.accessor<double, 2>()[k][ci] * mean / double(cells);
    }
  }
  return out;
}

}  // namespace

TEST(SemisamDan, LossesAndTheirGradientsMatchHandComputation) {
  const std::vector<std::array<double, 2>> d = {{0.3, -1.2}, {2.0, 0.5}, {-0.7, -0.1}};
  auto logits = torch::tensor({0.3, -1.2, 2.0, 0.5, -0.7, -0.1}, torch::kFloat64).view({3, 2}).requires_grad_(true);
  // Generator: every unlabeled map should pass as labeled (class 1).
  double gen = 0;
  for (const auto& r : d) gen -= log_softmax_of(r[0], r[1], 1) / 3.0;
  auto g = ss::dan_generator_loss(logits);
  EXPECT_NEAR(g.item<double>(), gen, 1e-14);
  g.backward();
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 2; ++k) {
      const double p = std::exp(log_softmax_of(d[i][0], d[i][1], k));
      EXPECT_NEAR(logits.grad()[i][k].item<double>(), (p - (k == 1 ? 1.0 : 0.0)) / 3.0, 1e-14) << i << k;
    }
  // Discriminator: the first labeled_bs samples are labeled (1), the rest unlabeled (0).
  for (int64_t lb : {1, 2}) {
    double dis = 0;
    for (int i = 0; i < 3; ++i) dis -= log_softmax_of(d[i][0], d[i][1], i < lb ? 1 : 0) / 3.0;
    logits.mutable_grad() = torch::Tensor();
    auto l = ss::dan_discriminator_loss(logits, lb);
    EXPECT_NEAR(l.item<double>(), dis, 1e-14) << lb;
    l.backward();
    for (int i = 0; i < 3; ++i) {
      const double p1 = std::exp(log_softmax_of(d[i][0], d[i][1], 1));
      EXPECT_NEAR(logits.grad()[i][1].item<double>(), (p1 - (i < lb ? 1.0 : 0.0)) / 3.0, 1e-14) << lb << i;
    }
  }
}

TEST(SemisamDan, DiscriminatorMatchesPlainLoops) {
  torch::manual_seed(11);
  ss::Discriminator d(2, 2);
  d->to(torch::kFloat64);
  d->eval();
  // Two samples of 16 x 16 x 32: four stride-2 convolutions leave 1 x 1 x 2 cells to average.
  const auto probs = torch::softmax(torch::randn({2, 2, 16, 16, 32}, torch::kFloat64), 1);
  const auto image = torch::randn({2, 1, 16, 16, 32}, torch::kFloat64);
  const auto out = d->forward(probs, image);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 2}));
  for (int b = 0; b < 2; ++b) {
    const auto ref = reference_discriminator(*d, probs[b], image[b]);
    for (int k = 0; k < 2; ++k) EXPECT_NEAR(out[b][k].item<double>(), ref[k], 1e-10) << b << k;
  }
  // Dropout3d is on only in training mode: there, two passes differ.
  d->train();
  EXPECT_FALSE(torch::allclose(d->forward(probs, image), d->forward(probs, image)));
}

TEST(SemisamDan, GeneratorGradientOnTheSpecialistMatchesFiniteDifferences) {
  torch::manual_seed(12);
  ss::Discriminator d(2, 2);
  d->to(torch::kFloat64);
  d->eval();
  const auto image = torch::randn({2, 1, 16, 16, 16}, torch::kFloat64);
  const auto x0 = torch::randn({2, 2, 16, 16, 16}, torch::kFloat64);
  auto generator = [&](const torch::Tensor& logits) {
    return ss::dan_generator_loss(d->forward(torch::softmax(logits, 1), image));
  };
  auto x = x0.clone().requires_grad_(true);
  generator(x).backward();
  const auto grad = x.grad();
  EXPECT_GT(grad.norm().item<double>(), 0.0);
  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  const std::vector<std::array<int64_t, 5>> probes = {{0, 0, 0, 0, 0}, {0, 1, 7, 8, 9}, {1, 0, 15, 3, 12}, {1, 1, 5, 5, 5}};
  for (const auto& p : probes) {
    auto plus = x0.clone(), minus = x0.clone();
    plus[p[0]][p[1]][p[2]][p[3]][p[4]] += h;
    minus[p[0]][p[1]][p[2]][p[3]][p[4]] -= h;
    const double fd = (generator(plus).item<double>() - generator(minus).item<double>()) / (2 * h);
    const double ag = grad[p[0]][p[1]][p[2]][p[3]][p[4]].item<double>();
    EXPECT_NEAR(ag, fd, 1e-7 + 1e-5 * std::abs(fd)) << p[0] << p[1] << p[2] << p[3] << p[4];
  }
  // Softmax over two classes: the gradient on the two channels of a voxel is equal and opposite.
  EXPECT_TRUE(torch::allclose(grad.select(1, 0), -grad.select(1, 1), 1e-12, 1e-15));
}
