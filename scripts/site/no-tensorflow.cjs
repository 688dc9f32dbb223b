// Stand-in for TensorFlow.js in the browser bundles of scripts/site/bundle.ts: TensorFlow.js serves
// only the library's autodiff check (a model's tfLoss), which the pages never call.
module.exports = {};
