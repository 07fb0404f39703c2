"""scikit-learn / scipy / PyTorch oracle for the representation tests (test time only).

Usage: repr_oracle.py CASE OUT_DIR   (CASE "quick": all but tsne, into OUT_DIR/<case>)

Each case makes seeded data, runs the reference implementation and writes raw
little-endian files into OUT_DIR: *.f64 (float64), *.i64 (int64), *.f32
(float32), plus meta.json with scalars and shapes.
"""
import json
import os
import sys

import numpy as np


def save(out, name, array, dtype):
    np.ascontiguousarray(array, dtype=dtype).tofile(os.path.join(out, name))


def blobs(n, d, centers, seed, std=1.0):
    from sklearn.datasets import make_blobs
    return make_blobs(n_samples=n, n_features=d, centers=centers, cluster_std=std, random_state=seed)


def case_kmeans(out):
    from sklearn.cluster import KMeans
    x, truth = blobs(2000, 8, 6, 3, std=1.5)
    model = KMeans(n_clusters=6, n_init=10, random_state=0).fit(x)
    save(out, "x.f64", x, "<f8")
    save(out, "labels.i64", model.labels_, "<i8")
    return {"n": len(x), "d": 8, "k": 6, "inertia": float(model.inertia_)}


def case_dbscan(out):
    from sklearn.cluster import DBSCAN
    from sklearn.datasets import make_moons
    from sklearn.preprocessing import StandardScaler
    moons, _ = make_moons(n_samples=1200, noise=0.06, random_state=1)
    spots, _ = blobs(800, 2, [[3.0, 3.0], [-2.5, 2.5]], 2, std=0.3)
    noise = np.random.RandomState(4).uniform(-4, 5, size=(60, 2))
    x = StandardScaler().fit_transform(np.vstack([moons, spots, noise]))
    model = DBSCAN(eps=0.12, min_samples=8).fit(x)
    save(out, "x.f64", x, "<f8")
    save(out, "labels.i64", model.labels_, "<i8")
    core = np.zeros(len(x), dtype=np.int64)
    core[model.core_sample_indices_] = 1
    save(out, "core.i64", core, "<i8")
    return {"n": len(x), "d": 2, "eps": 0.12, "min_samples": 8}


def case_pca(out):
    from sklearn.decomposition import PCA
    rng = np.random.RandomState(7)
    # Correlated features with well separated variances.
    x = rng.normal(size=(600, 12)) @ (rng.normal(size=(12, 12)) * np.linspace(3.0, 0.2, 12)[:, None]) + 5.0
    model = PCA(svd_solver="full").fit(x)
    save(out, "x.f64", x, "<f8")
    save(out, "components.f64", model.components_, "<f8")
    save(out, "variance.f64", model.explained_variance_, "<f8")
    save(out, "ratio.f64", model.explained_variance_ratio_, "<f8")
    save(out, "mean.f64", model.mean_, "<f8")
    save(out, "projected.f64", model.transform(x), "<f8")
    return {"n": 600, "d": 12}


def case_silhouette(out):
    from sklearn.metrics import silhouette_samples, silhouette_score
    x, labels = blobs(700, 5, 4, 11, std=2.5)
    labels[:3] = 7  # a small extra cluster, and one singleton below
    labels[3] = 9
    save(out, "x.f64", x, "<f8")
    save(out, "labels.i64", labels, "<i8")
    save(out, "samples.f64", silhouette_samples(x, labels), "<f8")
    return {"n": 700, "d": 5, "score": float(silhouette_score(x, labels))}


def case_agglomerative(out):
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform
    from sklearn.cluster import AgglomerativeClustering
    x, _ = blobs(300, 4, 5, 5, std=1.2)
    save(out, "x.f64", x, "<f8")
    meta = {"n": 300, "d": 4, "k": 5, "linkages": ["ward", "complete", "average", "single"]}
    for name in meta["linkages"]:
        labels = AgglomerativeClustering(n_clusters=5, linkage=name).fit_predict(x)
        save(out, f"labels_{name}.i64", labels, "<i8")
        save(out, f"heights_{name}.f64", linkage(x, method=name)[:, 2], "<f8")
    # A confusion-like distance matrix on 9 classes for hierarchical_order.
    rng = np.random.RandomState(3)
    points = rng.normal(size=(9, 3))
    distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    save(out, "distance.f64", distance, "<f8")
    save(out, "order.i64", leaves_list(linkage(squareform(distance, checks=False), method="average")), "<i8")
    return meta


def case_tsne(out):
    from sklearn.datasets import load_digits
    from sklearn.manifold import TSNE, trustworthiness
    x = load_digits().data[:1000].astype(np.float64)
    y = TSNE(n_components=2, perplexity=30.0, random_state=0, init="pca", learning_rate="auto").fit_transform(x)
    save(out, "x.f64", x, "<f8")
    save(out, "embedding.f64", y, "<f8")
    return {"n": len(x), "d": x.shape[1], "trust5": float(trustworthiness(x, y, n_neighbors=5)),
            "trust12": float(trustworthiness(x, y, n_neighbors=12))}


def case_ari(out):
    from sklearn.metrics import adjusted_rand_score
    rng = np.random.RandomState(5)
    a = rng.randint(0, 4, size=500)
    b = np.where(rng.uniform(size=500) < 0.7, a, rng.randint(-1, 6, size=500))
    save(out, "a.i64", a, "<i8")
    save(out, "b.i64", b, "<i8")
    return {"n": 500, "ari": float(adjusted_rand_score(a, b))}


def case_umap_ab(out):
    from scipy.optimize import curve_fit
    result = {}
    for spread, min_dist in [(1.0, 0.1), (1.0, 0.5), (2.0, 0.0)]:
        xv = np.linspace(0, spread * 3, 300)
        yv = np.where(xv < min_dist, 1.0, np.exp(-(xv - min_dist) / spread))
        params, _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), xv, yv)
        result[f"{spread}_{min_dist}"] = [float(params[0]), float(params[1])]
    return result


def case_attribution(out):
    """Small CNN in eval mode: logits, input gradient of one class, Grad-CAM."""
    import torch
    import torch.nn.functional as F
    torch.manual_seed(0)
    w = {
        "conv1_w": torch.randn(4, 3, 3, 3) * 0.4, "conv1_b": torch.randn(4) * 0.1,
        "bn_scale": torch.rand(4) + 0.5, "bn_bias": torch.randn(4) * 0.2,
        "bn_mean": torch.randn(4) * 0.3, "bn_var": torch.rand(4) + 0.5,
        "conv2_w": torch.randn(5, 4, 3, 3) * 0.3, "conv2_b": torch.randn(5) * 0.1,
        "fc_w": torch.randn(3, 5) * 0.5, "fc_b": torch.randn(3) * 0.1,
    }
    x = torch.randn(3, 3, 8, 8, requires_grad=True)
    target = 1

    def features(inp):
        h = F.conv2d(inp, w["conv1_w"], w["conv1_b"], padding=1)
        h = F.batch_norm(h, w["bn_mean"], w["bn_var"], w["bn_scale"], w["bn_bias"], training=False, eps=1e-5)
        h = F.relu(h)  # dropout is the identity in eval mode
        return F.relu(F.conv2d(h, w["conv2_w"], w["conv2_b"], padding=1))

    def head(a):
        return F.linear(a.mean(dim=(2, 3)), w["fc_w"], w["fc_b"])

    a = features(x)
    a.retain_grad()
    logits = head(a)
    logits[:, target].sum().backward()
    weights = a.grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * a).sum(dim=1, keepdim=True))
    for name, value in w.items():
        save(out, name + ".f32", value.numpy(), "<f4")
    save(out, "input.f32", x.detach().numpy(), "<f4")
    save(out, "logits.f32", logits.detach().numpy(), "<f4")
    save(out, "gradient.f32", x.grad.numpy(), "<f4")
    save(out, "cam.f32", cam.detach().numpy(), "<f4")
    return {"target": target}


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}



def run(case, out):
    os.makedirs(out, exist_ok=True)
    meta = CASES[case](out)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f)


if __name__ == "__main__":
    case, out = sys.argv[1], sys.argv[2]
    # "quick": every case but the slow t-SNE, one interpreter start (imports dominate).
    for name in [c for c in CASES if c != "tsne"] if case == "quick" else [case]:
        run(name, os.path.join(out, name) if case == "quick" else out)
