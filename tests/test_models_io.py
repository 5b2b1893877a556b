"""Every model saves and loads through one format: `model.save(path)` then `mixnb.load(path)` gives back a model of the
same class with the same predictions; a save never replaces what is at `path` unless asked; a damaged file is refused
with a clear error."""
import json

import numpy as np
import pytest
import torch

import mixnb


def _data(seed=0, n=120):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(size=(n // 2, 2)), rng.normal(size=(n // 2, 2)) + 5])
    y_reg = np.where(X[:, 0] > 2.5, 2 * X[:, 1] + 1, -X[:, 1]) + 0.1 * rng.normal(size=n)
    y_cls = (X[:, 0] + 0.3 * rng.normal(size=n) > 2.5).astype(np.int64)
    return X, y_reg, y_cls


def _models():
    "(name, fitted model, a function of the model whose value must survive the round trip)"
    X, y_reg, y_cls = _data()
    Xm = X.copy(); Xm[::7, 1] = np.nan
    yield "gmm", mixnb.GaussianMixture(2, random_state=0).fit(X), lambda m: m.predict_proba(X)
    yield "gmm-tensor", mixnb.GaussianMixture(2, covariance_type="diag", random_state=0).fit(torch.as_tensor(X)), \
        lambda m: m.score_samples(torch.as_tensor(X))
    yield "gmm-missing", mixnb.GaussianMixtureMissing(2, random_state=0).fit(Xm), lambda m: m.score_samples(Xm)
    yield "squared", mixnb.SquaredMixture(2, max_epochs=3, random_state=0).fit(X), lambda m: m.score_samples(X)
    yield "additive", mixnb.AdditiveMixture(2, max_epochs=3, random_state=0).fit(X), lambda m: m.score_samples(X)
    yield "moe-regressor", mixnb.MixtureOfExpertsRegressor(2, max_iter=5, random_state=0).fit(X, y_reg), lambda m: m.predict(X)
    yield "moe-classifier", mixnb.MixtureOfExpertsClassifier(2, max_iter=5, random_state=0).fit(X, y_cls), lambda m: m.predict_proba(X)


MODELS = list(_models())


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name,model,value", MODELS, ids=[m[0] for m in MODELS])
def test_round_trip_through_mixnb_load(tmp_path, name, model, value):
    path = tmp_path / name
    model.save(path)
    back = mixnb.load(path)
    assert type(back) is type(model) and back.get_params().keys() == model.get_params().keys()
    a, b = value(model), value(back)
    assert type(a) is type(b)
    np.testing.assert_allclose(np.asarray(torch.as_tensor(a)), np.asarray(torch.as_tensor(b)), rtol=0, atol=0)
    # never overwrite unless asked; an overwrite leaves nothing else behind
    with pytest.raises(FileExistsError, match="overwrite=True"): model.save(path)
    model.save(path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    # a truncated tensor file, a config from the future, an unknown class: clear errors
    blob = (path / "model.safetensors").read_bytes()
    (path / "model.safetensors").write_bytes(blob[: len(blob) // 3])
    with pytest.raises(ValueError, match="truncated or damaged"): mixnb.load(path)
    cfg = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**cfg, "format_version": 99}))
    with pytest.raises(ValueError, match="newer mixnb"): mixnb.load(path)
    (path / "config.json").write_text(json.dumps({**cfg, "class": "NoSuchModel"}))
    with pytest.raises(ValueError, match="not a model class"): mixnb.load(path)


def test_unfitted_model_cannot_be_saved(tmp_path):
    with pytest.raises(mixnb.NotFittedError): mixnb.GaussianMixture(2).save(tmp_path / "m")
    assert not (tmp_path / "m").exists()
