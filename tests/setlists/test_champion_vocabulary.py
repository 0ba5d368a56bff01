"""A next-song version trained on another vocabulary, translated into the current one."""

import numpy as np

from assets.setlists.model import NextSongSettings, build_model
from assets.setlists.training_run import in_current_vocabulary

STORED = ["<pad>", "<unk>", "<set>", "<encore>", "<end>", "Ghost", "Tweezer", "Reba"]
CURRENT = ["<pad>", "<unk>", "<set>", "<encore>", "<end>", "Reba", "Ghost", "Fuego"]  # Tweezer gone, Fuego new


def test_a_model_of_another_vocabulary_predicts_the_same_songs_in_the_current_one() -> None:
    import keras

    keras.utils.set_random_seed(0)
    settings = NextSongSettings(seq_len=4, embedding_dim=4, units=4, rotation_features=["played_1_ago"])
    model = build_model(len(STORED), settings)
    model.get_layer("rotation_weights").set_weights([np.full((1, 1), 2.0)])
    wrapped = in_current_vocabulary(model, settings, STORED, CURRENT)
    marks = np.asarray([[0, 0, 1, 1]], dtype=np.int32)
    rotation = np.random.default_rng(0).random((1, len(CURRENT), 1)).astype(np.float32)
    stored_rotation = np.zeros((1, len(STORED), 1), dtype=np.float32)
    for index, token in enumerate(STORED):
        if token in CURRENT:
            stored_rotation[0, index] = rotation[0, CURRENT.index(token)]
    ids = [CURRENT.index(token) for token in ("<set>", "Ghost", "Reba", "Fuego")]
    stored_ids = [STORED.index("<set>"), STORED.index("Ghost"), STORED.index("Reba"), STORED.index("<unk>")]
    got = np.asarray(wrapped({"context": np.asarray([ids]), "marks": marks, "rotation": rotation}))[0]
    expected = np.asarray(model({"context": np.asarray([stored_ids]), "marks": marks, "rotation": stored_rotation}))[0]
    shared = ["<set>", "<encore>", "<end>", "Ghost", "Reba"]
    np.testing.assert_allclose(
        got[[CURRENT.index(token) for token in shared]], expected[[STORED.index(token) for token in shared]], atol=1e-5
    )
    assert got[CURRENT.index("Fuego")] < -1e8  # a song the model never saw is never predicted
