// plotly.js-dist-min ships no types; it is used through a narrow local interface (components/outputs/plotly-output.tsx).
declare module 'plotly.js-dist-min';
