// The site's search ranking: Sphinx's own scores, with a chapter's page ahead of the API reference for the same words.
// A reader who searches a topic ("snake", "normalized cut") wants the chapter that teaches it; the API pages of the
// modules named after the topic (coursekit.snakes, its explorer, its exercises) would otherwise come first. Matches of
// a Python object's name (kind "object": a search for `mean_iou`) keep their scores, so they still lead to the API.
var Scorer = {
  score: (result) => {
    const [docname, , , , score, , kind] = result;
    const chapter = /^\d\d_[A-Za-z0-9_]+\//.test(docname);
    return chapter && (kind === "text" || kind === "title") ? score + 10 : score;
  },
  // Sphinx's defaults (sphinx/themes/basic/static/searchtools.js)
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
