/** What panels know about the deck: which slide is current and which scene it expects. */
import { createContext, useContext } from 'react';

export interface SlideInfo {
  index: number;
  id: string;
  scene?: string;
  isCurrent: boolean;
  /** Became current at least once (lazy panels mount from then on and stay mounted). */
  visited: boolean;
  /** Current or next to the current slide once (panels load their code from then on). */
  near: boolean;
}

export interface DeckInfo {
  current: number;
  currentId?: string;
  /** The current slide's scene, or the nearest earlier slide's (scenes carry forward). */
  currentScene?: string;
}

export const SlideContext = createContext<SlideInfo>({ index: 0, id: '', isCurrent: true, visited: true, near: true });
export const DeckContext = createContext<DeckInfo>({ current: 0 });

export const useSlide = () => useContext(SlideContext);
export const useDeckInfo = () => useContext(DeckContext);
