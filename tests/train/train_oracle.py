"""Reference values for the training tests, computed by PyTorch and scikit-learn.

Usage: python3 train_oracle.py INPUT.json OUTPUT.json
INPUT is {"losses": [...], "optimizers": [...], "schedules": [...], "metrics": [...]}
(any subset); OUTPUT holds one result list per key, in the same order.
Losses are evaluated in float64 from the float32 inputs, so the reference is
the exact value of the loss at those inputs; optimizers run in float32, like
the training code.
"""
import json
import sys

import warnings

import numpy as np

# SequentialLR steps its schedulers with an explicit epoch, which torch 1.13 flags as deprecated.
warnings.filterwarnings("ignore", category=UserWarning)


def tensor(spec, dtype):
    import torch
    return torch.tensor(np.asarray(spec["values"], dtype=np.float32).reshape(spec["shape"]), dtype=dtype)


def class_ids(target, prediction):
    # (N[,1],spatial...) -> (N, spatial...)
    if target.dim() == prediction.dim():
        target = target.squeeze(1)
    return target.long()


def overlap_loss(kind, prediction, target, ignore, smooth):
    import torch
    classes = prediction.shape[1]
    ids = class_ids(target, prediction)
    keep = (ids != ignore)
    probabilities = torch.softmax(prediction, dim=1)
    onehot = torch.nn.functional.one_hot(torch.where(keep, ids, torch.zeros_like(ids)), classes)
    onehot = onehot.movedim(-1, 1).to(prediction.dtype) * keep.unsqueeze(1)
    mask = keep.unsqueeze(1).to(prediction.dtype)
    dims = [0] + list(range(2, prediction.dim()))
    intersection = (probabilities * onehot * mask).sum(dims)
    predicted = (probabilities * mask).sum(dims)
    truth = onehot.sum(dims)
    if kind == "dice":
        score = (2 * intersection + smooth) / (predicted + truth + smooth)
    else:
        score = (intersection + smooth) / (predicted + truth - intersection + smooth)
    return 1 - score.mean()


def single_loss(name, options, prediction, target):
    import torch
    import torch.nn.functional as F
    ignore = options.get("ignore_label", -1)
    if name == "cross_entropy":
        weights = options.get("class_weights") or None
        if weights is not None:
            weights = torch.tensor(weights, dtype=prediction.dtype)
        return F.cross_entropy(prediction, class_ids(target, prediction), weight=weights, ignore_index=ignore)
    if name in ("dice", "jaccard"):
        return overlap_loss(name, prediction, target, ignore, options.get("smooth", 1.0))
    if name == "mse":
        return F.mse_loss(prediction, target.reshape(prediction.shape))
    if name == "mae":
        return F.l1_loss(prediction, target.reshape(prediction.shape))
    if name == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(prediction, target.reshape(prediction.shape))
    raise ValueError(name)


def loss_case(case):
    import torch
    prediction = tensor(case["prediction"], torch.float64).requires_grad_(True)
    target = tensor(case["target"], torch.float64)
    value = sum(single_loss(part, case.get("options", {}), prediction, target) for part in case["loss"].split("+"))
    value.backward()
    return {"value": float(value), "gradient": prediction.grad.flatten().tolist()}


def optimizer_case(case):
    import torch
    params = []
    for p in case["parameters"]:
        params.append(torch.nn.Parameter(torch.tensor(np.asarray(p["values"], dtype=np.float32))))
    decay = case.get("weight_decay", 0.0)
    groups = [{"params": [q for q, p in zip(params, case["parameters"]) if p["decay"]], "weight_decay": decay},
              {"params": [q for q, p in zip(params, case["parameters"]) if not p["decay"]], "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    kind, lr = case["kind"], case["learning_rate"]
    if kind == "sgd":
        opt = torch.optim.SGD(groups, lr=lr, momentum=case.get("momentum", 0.0), nesterov=case.get("nesterov", False))
    elif kind == "adam":
        opt = torch.optim.Adam(groups, lr=lr, betas=(case["beta1"], case["beta2"]), eps=case["epsilon"])
    else:
        opt = torch.optim.AdamW(groups, lr=lr, betas=(case["beta1"], case["beta2"]), eps=case["epsilon"])
    for step in range(case["steps"]):
        if "learning_rates" in case:
            for g in opt.param_groups:
                g["lr"] = case["learning_rates"][step]
        for q, p in zip(params, case["parameters"]):
            q.grad = torch.tensor(np.asarray(p["gradients"][step], dtype=np.float32))
        opt.step()
    return {"values": [q.detach().numpy().astype(np.float64).tolist() for q in params]}


def schedule_case(case):
    import torch
    from torch.optim import lr_scheduler as S
    parameter = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([parameter], lr=case["base"])
    kind, warmup = case["kind"], case["warmup"]

    def main():
        if kind == "constant":
            return S.LambdaLR(opt, lambda epoch: 1.0)
        if kind == "step":
            return S.StepLR(opt, step_size=case["step_size"], gamma=case["gamma"])
        return S.CosineAnnealingLR(opt, T_max=case["period"], eta_min=case["minimum"])

    if warmup > 0:
        first = S.LinearLR(opt, start_factor=1.0 / (warmup + 1), end_factor=1.0, total_iters=warmup)
        if kind == "constant" and case.get("warmup_only", False):
            scheduler = first
        else:
            scheduler = S.SequentialLR(opt, [first, main()], milestones=[warmup])
    else:
        scheduler = main()
    rates = []
    for _ in range(case["epochs"]):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return {"rates": rates}


def metrics_case(case):
    from sklearn import metrics
    result = {}
    if "scores" in case:
        labels, scores = np.asarray(case["labels"]), np.asarray(case["scores"])
        fpr, tpr, thresholds = metrics.roc_curve(labels, scores, drop_intermediate=case["drop_intermediate"])
        result.update(fpr=fpr.tolist(), tpr=tpr.tolist(), thresholds=thresholds.tolist(),
                      auc=float(metrics.roc_auc_score(labels, scores)))
    if "truth" in case:
        classes = list(range(case["classes"]))
        truth, predicted = np.asarray(case["truth"]), np.asarray(case["predicted"])
        result["confusion"] = metrics.confusion_matrix(truth, predicted, labels=classes).flatten().tolist()
        result["jaccard"] = metrics.jaccard_score(truth, predicted, labels=classes, average=None,
                                                  zero_division=0).tolist()
        result["accuracy"] = float(metrics.accuracy_score(truth, predicted))
        result["mae"] = metrics.mean_absolute_error(np.asarray(case["regression_truth"]),
                                                    np.asarray(case["regression_prediction"]),
                                                    multioutput="raw_values").tolist()
    return result


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    handlers = {"losses": loss_case, "optimizers": optimizer_case, "schedules": schedule_case,
                "metrics": metrics_case}
    reply = {key: [handlers[key](case) for case in cases] for key, cases in request.items()}
    with open(sys.argv[2], "w") as f:
        json.dump(reply, f)


if __name__ == "__main__":
    main()
