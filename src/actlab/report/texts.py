"""The page's explanatory text: what to look for in each figure, tied to the seed's claims.
Plain HTML fragments written by us (no user-supplied text here)."""

INTRO = (
    "The seed's exercise, measured: the same network trained with each activation and weight "
    "initialization, several seeds each. Every number and picture below was rendered from the "
    "files in this run directory (config.json, records.jsonl, table.json, cost.json), so "
    "<code>actlab report RUN_DIR</code> draws this page again.")

TABLE = (
    "One row per (init, activation) group; accuracy is the mean &plusmn; standard deviation "
    "over seeds at the last epoch (a 95% confidence interval in brackets where the run stored "
    "one), the best of each init in bold. <em>Saturation</em> is the "
    "fraction of the last hidden layer's (sample, unit) pairs where |f'(z)| &lt; 1% of "
    "max|f'|; <em>|dW first|/|dW last|</em> below 1 means the first layer gets a smaller "
    "gradient than the last (vanishing gradients).")

GALLERY = (
    "Each activation f (solid) and its derivative f' (dashed). Shaded: where |f'| is under 1% "
    "of its maximum, the flat regions the seed warns about: back-propagation multiplies dL/dW by "
    "f', so there the weights stop moving (saturation). Sigmoid and tanh are flat on both sides "
    "(from about |z| &gt; 6 for sigmoid), ReLU on one side only, Leaky ReLU and PReLU nowhere. "
    "Sigmoid's f' is at most 0.25, so each layer shrinks the gradient at least fourfold.")

CURVES = (
    "Training loss (log scale) and test accuracy per epoch: the seed's two comparison graphs. "
    "Left, a good initialization (<code>auto</code>: Xavier for sigmoid/tanh, He for the ReLU "
    "family); right, the seed's prototype U(-1, 1). With a good init ReLU and tanh converge "
    "fast and sigmoid starts slowly; with the bad init the ranking can change (the seed: "
    "sigmoid comes out ahead). Look at the bands: a wide band means the seed matters.")

HEATMAPS = (
    "What happens inside, layer by layer, epoch by epoch (mean over seeds). "
    "<b>Saturation</b>: bright rows are layers whose units sit in the flat regions; for ReLU "
    "this is the one-sided zero region (dead or inactive units), for sigmoid/tanh both tails "
    "(watch the prototype init). <b>|dL/dW|</b>: darker first rows than last rows mean the "
    "gradient fades on its way back (vanishing gradients). <b>Mean activation</b>: sigmoid's "
    "outputs sit near 0.5 and ReLU's above 0, always positive; tanh's centre on 0.")

ZIGZAG = (
    "The seed's zig-zag argument: when a layer's inputs are all positive (after sigmoid or "
    "ReLU), the gradient of one unit's incoming weights, x<sub>i</sub> &middot; "
    "&delta;<sub>j</sub>, has the same sign for every i, so the weights can only all go up or "
    "all go down and reach the optimum in a zig-zag. <b>Per-sample coherence</b> near 1 in "
    "layers fed by sigmoid/ReLU and near 0 for tanh-fed layers shows exactly that (W1 sees "
    "the standardized data, which has both signs). <b>Minibatch coherence</b> shows how much "
    "survives averaging over a batch; <b>sign flips</b> how often updates reverse direction.")

WEIGHT_PATH = (
    "The path of two weights during training: a zig-zag where every update moves both the "
    "same way, a straighter path where the signs can differ.")

BOUNDARY = (
    "How each activation carves the plane (the first seed of each group), as in TensorFlow "
    "Playground: the background is the predicted class, stronger where the network is "
    "confident. ReLU-family boundaries are piecewise linear (corners); sigmoid and tanh bend "
    "smoothly; an identity network can only draw a straight line.")

COST = (
    "What each activation costs to compute (per element, forward and forward+backward), beside "
    "a plain array copy and ReLU. The seed says exp makes sigmoid and tanh slow; here it is "
    "measured. Machines are noisy: read the ratios, not the nanoseconds.")

NO_COST = (
    "No cost.json in this run directory, so the cost of each activation is not shown. "
    "Measure it with <code>actlab.cost.activation_cost</code> and save its rows as "
    "<code>cost.json</code> (a list, or {\"rows\": [...]}) in the run directory, then run "
    "<code>actlab report</code> again.")

NO_PROBES = (
    "This run recorded no probes (it was made with <code>--no-probes</code>), so the "
    "per-layer instruments are not shown.")
