import 'reveal.js/reveal.css';
import './deck/theme.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Deck } from './deck/Deck.tsx';
import { captureToken, isPrintPdf } from './live/env.ts';

captureToken();
if (isPrintPdf()) document.documentElement.classList.add('print-pdf-view');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Deck />
  </StrictMode>,
);
