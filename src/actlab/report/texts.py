"""The page's explanatory text: how to read each figure. Plain HTML fragments written by us (no
user-supplied text here). None of them states a result: what this run found is in the
sentences generated from its data (actlab.experiments.conclusion) at the top of the page."""

INTRO = (
    "The seed's exercise, measured: the same network trained with each activation and weight "
    "initialization, several seeds each. Every number and picture below was rendered from the "
    "files in this run directory (config.json, records.jsonl, table.json, cost.json), so "
    "<code>actlab report RUN_DIR</code> draws this page again."
)

TABLE = (
    "One row per (init, activation) group, sorted by mean test accuracy within each init; "
    "accuracy is the mean &plusmn; standard deviation over seeds at the last epoch, with a 95% "
    "confidence interval in brackets. <em>vs best</em> compares each group with the stable "
    "group of highest mean (paired t-test on the same seeds, Holm-corrected); every row that "
    "is best or not significantly different from it is bold. <em>unstable</em> counts seeds "
    "that diverged or collapsed to near chance; such a group is never marked best or tied. "
    "<em>Flat units</em> is the fraction of the last hidden layer's (sample, unit) pairs where "
    "|f'(z)| &lt; 1% of its peak: <em>saturated</em> for activations flat in both tails "
    "(sigmoid, tanh), <em>inactive</em> for those flat only on the negative side (the ReLU "
    "family). <em>|dW first|/|dW last|</em> below 1 means the first layer gets a smaller "
    "gradient than the last."
)

GALLERY = (
    "Each activation f (solid) and its derivative f' (dashed). Shaded: where |f'| is under 1% "
    "of its maximum, the flat regions the seed warns about: back-propagation multiplies dL/dW by "
    "f', so there the weights stop moving."
)

CURVES = (
    "Training loss (log scale) and test accuracy per epoch, one column per weight "
    "initialization (the seed's two comparison graphs); epoch 0 is the network before "
    "training. Thick line: mean over seeds; band: lowest to highest seed. A wide band means the "
    "outcome depends on the seed."
)

HEATMAPS = (
    "What happens inside, layer by layer, epoch by epoch (mean over seeds; each panel has its "
    "own colour scale, printed beside it). <b>Flat units</b>: bright rows are layers whose "
    "units sit where f' is flat (both tails for sigmoid and tanh: saturated; the negative half "
    "for the ReLU family: inactive). <b>|dL/dW|</b>: first rows darker than the last rows "
    "would mean the gradient fades on its way back. <b>Mean activation</b>: where each "
    "layer's outputs are centred. A group whose seeds diverged is marked, not drawn."
)

ZIGZAG = (
    "The seed's zig-zag argument: when a layer's inputs are all positive (after sigmoid or "
    "ReLU), the gradient of one unit's incoming weights, x<sub>i</sub> &middot; "
    "&delta;<sub>j</sub>, has the same sign for every i, so on one sample the weights can only "
    "all go up or all go down. <b>Per-sample coherence</b> is the fraction of a unit's "
    "incoming weights whose per-sample update shares the majority sign (1: all one sign); "
    "<b>minibatch coherence</b> the same after averaging over a batch; <b>sign flips</b> how "
    "often updates reverse direction. <code>actlab explain zigzag</code> measures what this "
    "costs in steps."
)

WEIGHT_PATH = (
    "The path of two incoming weights of one unit during training, for a sigmoid-fed and a "
    "tanh-fed layer; the legend gives the share of steps on which both moved the same way."
)

BOUNDARY = (
    "How each activation carves the plane (the first seed of each group), as in TensorFlow "
    "Playground: the background is the predicted class, stronger where the network is "
    "confident."
)

COST = (
    "What each activation costs to compute (per element, forward and forward+backward), beside "
    "a plain array copy and ReLU, measured on this machine. Machines are noisy: read the "
    "ratios, not the nanoseconds."
)

NO_COST = (
    "No cost.json in this run directory, so the cost of each activation is not shown. "
    "Measure it with <code>actlab.cost.activation_cost</code> and save its rows as "
    '<code>cost.json</code> (a list, or {"rows": [...]}) in the run directory, then run '
    "<code>actlab report</code> again."
)

NO_PROBES = (
    "This run recorded no probes (it was made with <code>--no-probes</code>), so the "
    "per-layer instruments are not shown."
)
