"""FER+ votes as truth and as training targets (fer_video.training.votes)."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.training.votes import distribution, find_votes, plurality_labels, soft_targets, strict_labels
from tests.support import REPO

# FER+ columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
VOTES = np.array([
    [0, 8, 2, 0, 0, 0, 0, 0, 0, 0],  # happy, clear
    [4, 0, 0, 4, 0, 0, 0, 0, 2, 0],  # neutral and sad tied: no plurality label
    [5, 0, 0, 3, 1, 0, 0, 0, 1, 0],  # neutral: plurality; strict: singles dropped, 5 of 8 > half
    [4, 0, 3, 0, 1, 1, 1, 0, 0, 0],  # neutral by plurality; strict: 4 of 7 after singles dropped
    [3, 0, 0, 0, 0, 0, 0, 4, 3, 0],  # contempt on top: no label in seven classes
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # unmatched face: no votes
    [1, 0, 0, 0, 0, 0, 0, 0, 2, 7],  # mostly not a face: no distribution
    [3, 0, 0, 3, 0, 0, 4, 0, 0, 0],  # fear 4 of 10: plurality fear, strict needs > 5 of 10: none
])


def test_majority_labels_follow_the_ferplus_rules():
    index = EMOTIONS.index
    assert plurality_labels(VOTES).tolist() == [index("happy"), -1, index("neutral"), index("neutral"), -1, -1, -1,
                                                index("fear")]
    assert strict_labels(VOTES).tolist() == [index("happy"), -1, index("neutral"), index("neutral"), -1, -1, -1, -1]


def test_vote_distributions_keep_the_seven_emotions_and_mix_with_the_label_by_share():
    shares, usable = distribution(VOTES)
    assert usable.tolist() == [True, True, True, True, False, False, False, True], \
        "a face whose seven emotions hold under half its votes has no distribution"
    np.testing.assert_allclose(shares[usable].sum(axis=1), 1.0, rtol=1e-6)
    assert shares[0, EMOTIONS.index("happy")] == pytest.approx(0.8)
    assert shares[2, EMOTIONS.index("neutral")] == pytest.approx(5 / 9), "unknown votes dropped, the rest renormalised"

    labels = np.array([EMOTIONS.index("surprise")] * len(VOTES))
    targets = soft_targets(labels, VOTES, 0.7)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-6)
    assert targets[0, EMOTIONS.index("happy")] == pytest.approx(0.56)
    assert targets[0, EMOTIONS.index("surprise")] == pytest.approx(0.7 * 0.2 + 0.3)
    assert targets[5].tolist() == np.eye(7)[EMOTIONS.index("surprise")].tolist(), "no votes: the label alone"
    for row in (4, 6):
        assert targets[row].tolist() == np.eye(7)[EMOTIONS.index("surprise")].tolist(), "mostly not an emotion"
    with pytest.raises(ValueError, match="from 0 to 1"):
        soft_targets(labels, VOTES, 1.5)


def test_votes_are_found_in_the_data_file_or_beside_it(tmp_path):
    data = tmp_path / "fer2013" / "faces.npz"
    data.parent.mkdir()
    np.savez(data, x_val=np.zeros((2, 48, 48), np.uint8), y_val=np.array([0, 1]))
    assert find_votes(data) is None
    (tmp_path / "ferplus").mkdir()
    np.savez(tmp_path / "ferplus" / "ferplus_votes.npz", votes_val=VOTES[:2])
    assert find_votes(data) == tmp_path / "ferplus" / "ferplus_votes.npz"
    np.savez(data, x_val=np.zeros((2, 48, 48), np.uint8), y_val=np.array([0, 1]), votes_val=VOTES[:2])
    assert find_votes(data) == data, "the data file's own votes come first"


SHARED_VOTES = REPO.parent / "shared" / "data" / "ferplus" / "ferplus_votes.npz"


@pytest.mark.skipif(not SHARED_VOTES.exists(), reason="FER+ votes (../shared/data/ferplus) are not on this machine")
def test_the_majority_counts_are_those_the_ferplus_readme_gives():
    with np.load(SHARED_VOTES) as arrays:
        train, val = arrays["votes_train"].astype(int), arrays["votes_val"].astype(int)
    assert (plurality_labels(train) >= 0).sum() == 26_777 and (plurality_labels(val) >= 0).sum() == 3_372
    assert (strict_labels(train) >= 0).sum() == 24_940 and (strict_labels(val) >= 0).sum() == 3_186
    val_labels = plurality_labels(val)
    assert np.bincount(val_labels[val_labels >= 0], minlength=7).tolist() == [310, 31, 73, 880, 395, 441, 1242]
